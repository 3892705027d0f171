#include "hv/net/pcap_writer.h"

#include <cerrno>
#include <cstring>

#include "hv/common/error.h"

namespace mipshv {

namespace {
// libpcap's file format: a global header, then a record header per frame.
struct FileHeader {
    uint32_t magic = 0xa1b23c4d;  // nanosecond-resolution timestamps
    uint16_t version_major = 2, version_minor = 4;
    int32_t thiszone = 0;
    uint32_t sigfigs = 0, snaplen = 65535, linktype = 1;  // Ethernet
};
struct RecordHeader {
    uint32_t seconds, nanoseconds, captured, length;
};
}  // namespace

PcapWriter::PcapWriter(const std::string& path) : file_(std::fopen(path.c_str(), "wb")) {
    if (!file_) throw Error("mipshv: --pcap " + path + ": cannot create: " + std::strerror(errno));
    const FileHeader h;
    std::fwrite(&h, sizeof h, 1, file_);
    std::fflush(file_);
}

PcapWriter::~PcapWriter() { std::fclose(file_); }

void PcapWriter::write(const uint8_t* frame, size_t len, uint64_t time_ns) {
    const RecordHeader r{uint32_t(time_ns / 1'000'000'000), uint32_t(time_ns % 1'000'000'000), uint32_t(len), uint32_t(len)};
    std::fwrite(&r, sizeof r, 1, file_);
    std::fwrite(frame, 1, len, file_);
    std::fflush(file_);  // a capture stays readable while the run goes on, or if it is killed
}

}  // namespace mipshv
