// Building, saving and printing RunRecords (schema: run_record.proto).
#pragma once
#include <string>

#include "hv/stats/counters.h"
#include "hv/stats/run_record.pb.h"

namespace mipshv {

void fill_counters(stats::VcpuCounters& out, const CpuCounters& counters);
// Adds every per-vCPU counter of `in` to the record's totals.
void add_to_totals(stats::RunRecord& record, const stats::VcpuCounters& in);
// Adds every number of `in` to `total` (the engines of several vCPUs).
stats::HostInfo describe_host();
// Hex SHA-256 of a file's contents; throws mipshv::Error when unreadable.
std::string sha256_of_file(const std::string& path);

void write_run_record(const stats::RunRecord& record, const std::string& path);
stats::RunRecord read_run_record(const std::string& path);
std::string run_record_json(const stats::RunRecord& record);

}  // namespace mipshv
