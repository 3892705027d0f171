#include "hv/stats/run_record.h"

#include <google/protobuf/util/json_util.h>
#include <openssl/evp.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include "hv/common/error.h"
#include "hv/common/host_file.h"

namespace mipshv {

void fill_counters(stats::VcpuCounters& out, const CpuCounters& counters) {
    auto& map = *out.mutable_counters();
    counters.for_each([&](std::string_view name, std::string_view, uint64_t value) { map[std::string(name)] = value; });
}

void add_to_totals(stats::RunRecord& record, const stats::VcpuCounters& in) {
    auto& totals = *record.mutable_totals();
    for (const auto& [name, value] : in.counters()) totals[name] += value;
}

stats::HostInfo describe_host() {
    stats::HostInfo h;
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) == 0) h.set_hostname(name);
    struct utsname u{};
    if (uname(&u) == 0) h.set_kernel(std::string(u.sysname) + " " + u.release);
    h.set_cpus(std::thread::hardware_concurrency());
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);) {
        if (line.rfind("model name", 0) == 0) {
            h.set_cpu_model(line.substr(line.find(':') + 2));
            break;
        }
    }
    return h;
}

std::string sha256_hex(const std::vector<uint8_t>& bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (!EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr)) throw Error("mipshv: SHA-256 failed");
    static const char* const kHex = "0123456789abcdef";
    std::string hex;
    for (unsigned k = 0; k < len; ++k) hex += {kHex[digest[k] >> 4], kHex[digest[k] & 15]};
    return hex;
}

void write_run_record(const stats::RunRecord& record, const std::string& path) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out || !record.SerializeToOstream(&out)) throw Error("mipshv: --stats " + path + ": cannot write");
}

stats::RunRecord read_run_record(const std::string& path, const std::string& option) {
    const std::vector<uint8_t> bytes = read_host_file({option, path, kMaxRunRecordBytes});
    stats::RunRecord record;
    if (!record.ParseFromArray(bytes.data(), int(bytes.size()))) throw Error("mipshv: " + option + " " + path + ": not a RunRecord");
    return record;
}

std::string run_record_json(const stats::RunRecord& record) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    auto status = google::protobuf::util::MessageToJsonString(record, &json, options);
    if (!status.ok()) throw Error("mipshv: cannot print the RunRecord as JSON");
    return json;
}

}  // namespace mipshv
