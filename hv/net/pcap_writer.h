// `--pcap FILE`: every frame of every card, both directions, in libpcap
// format (nanosecond timestamps of machine time, so a deterministic run
// gives the same capture), readable by tshark and Wireshark.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

namespace mipshv {

class PcapWriter {
public:
    explicit PcapWriter(const std::string& path);  // throws Error
    ~PcapWriter();
    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;
    void write(const uint8_t* frame, size_t len, uint64_t time_ns);

private:
    std::FILE* file_;
};

}  // namespace mipshv
