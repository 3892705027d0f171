// Building, saving and printing RunRecords (schema: run_record.proto).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "hv/stats/counters.h"
#include "hv/stats/run_record.pb.h"

namespace mipshv {

void fill_counters(stats::VcpuCounters& out, const CpuCounters& counters);
// Adds every per-vCPU counter of `in` to the record's totals.
void add_to_totals(stats::RunRecord& record, const stats::VcpuCounters& in);
// Adds every number of `in` to `total` (the engines of several vCPUs).
stats::HostInfo describe_host();
// Hex SHA-256 of `bytes` (a loaded file's contents).
std::string sha256_hex(const std::vector<uint8_t>& bytes);

void write_run_record(const stats::RunRecord& record, const std::string& path);
// `option` names the file in errors ("stats": `mipshv stats FILE`).
stats::RunRecord read_run_record(const std::string& path, const std::string& option = "stats");

// The largest RunRecord read; a run's record is a few KiB.
constexpr uint64_t kMaxRunRecordBytes = 256ull << 20;
std::string run_record_json(const stats::RunRecord& record);

}  // namespace mipshv
