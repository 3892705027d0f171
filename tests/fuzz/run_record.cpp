// Fuzzes the RunRecord reader behind `mipshv stats FILE` (hv/cli/main.cpp:
// read_run_record, then run_record_json, from hv/stats/run_record.*) with
// arbitrary files. Each input is written to a memory file and read by path,
// exactly as the subcommand reads a .pb file; it must be refused with
// mipshv::Error or print as JSON that names every field set in it.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <google/protobuf/stubs/logging.h>

#include "fuzz_input.h"
#include "hv/common/error.h"
#include "hv/stats/run_record.h"

namespace {
using mipshv_fuzz::wrong;

struct RecordFile {
    int fd;
    std::string path;
    RecordFile() : fd(memfd_create("mipshv-fuzz-record", MFD_CLOEXEC)), path("/proc/self/fd/" + std::to_string(fd)) {
        if (fd < 0) wrong("memfd_create failed");
        // Protobuf logs every string that is not UTF-8 on stderr: the
        // reader refuses such records anyway, and the log would drown
        // libFuzzer's own output.
        google::protobuf::SetLogHandler(nullptr);
    }
    void hold(const uint8_t* data, size_t size) const {
        if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != ssize_t(size)) wrong("cannot write the record file");
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const RecordFile file;
    file.hold(data, size);
    try {
        const mipshv::stats::RunRecord record = mipshv::read_run_record(file.path);
        const std::string json = mipshv::run_record_json(record);
        if (json.empty() || json.front() != '{' || json.back() != '\n') wrong("the JSON is not one object");
        if (record.has_config() && json.find("\"config\"") == std::string::npos) wrong("the JSON lost the config");
        if (record.devices_size() && json.find("\"devices\"") == std::string::npos) wrong("the JSON lost the devices");
        if (mipshv_fuzz::verbose()) std::fprintf(stderr, "%s", json.c_str());
    } catch (const mipshv::Error& e) {
        // Not a RunRecord: `mipshv stats` says so in one line.
        if (mipshv_fuzz::verbose()) std::fprintf(stderr, "%s\n", e.what());
    }
    return 0;
}
