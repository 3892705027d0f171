// The communication page: the guest's virtual CP0 (a Cp0State), stored in
// the hypervisor's region and mapped into the guest kernel's address space
// at memory_map::kCommWindowVa, so patched guest code reaches any field
// with one load or store relative to $zero. Stub scratch slots follow it.
#pragma once
#include <cstdint>

namespace mipshv::comm_page {

// The guest kernel sees the page in the last 32 KiB of its address space,
// reachable as a 16-bit negative offset from $zero.
constexpr uint64_t kWindowVa = 0xffffffffffff8000ull;
constexpr uint64_t kWindowSize = 0x8000;
// Save slots stubs use to borrow two GPRs.
constexpr uint64_t kSaveSlot0 = 0x7f00, kSaveSlot1 = 0x7f08;
// Where stub code starts in the hypervisor's region (after the window).
constexpr uint64_t kStubsOffset = kWindowSize;

// The 16-bit offset from $zero that reaches window offset `off`.
constexpr int32_t zero_relative(uint64_t off) { return int32_t(off) - int32_t(kWindowSize); }

}  // namespace mipshv::comm_page
