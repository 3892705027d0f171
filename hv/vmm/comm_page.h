// The communication page: a vCPU's virtual CP0 (a Cp0State), stored in
// the hypervisor's region and mapped into the guest kernel's address space
// at kWindowVa, so patched guest code reaches any field with one load or
// store relative to $zero. Stub scratch slots follow it. Each vCPU has a
// page of its own at the same address (the region starts with one window
// per vCPU), so the stubs, shared by all vCPUs, reach the running one's.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>

#include "hv/cpu/cpu.h"
#include "hv/cpu/insn.h"

namespace mipshv::comm_page {

// The guest kernel sees the page in the last 32 KiB of its address space,
// reachable as a 16-bit negative offset from $zero.
constexpr uint64_t kWindowVa = 0xffffffffffff8000ull;
constexpr uint64_t kWindowSize = 0x8000;
// Save slots stubs use to borrow two GPRs.
constexpr uint64_t kSaveSlot0 = 0x7f00, kSaveSlot1 = 0x7f08;
// Where vCPU n's window lies in the hypervisor's region.
constexpr uint64_t window_offset(unsigned vcpu) { return uint64_t(vcpu) * kWindowSize; }
// Where stub code starts in the hypervisor's region (after the windows).
constexpr uint64_t stubs_offset(unsigned vcpus) { return window_offset(vcpus); }

// The 16-bit offset from $zero that reaches window offset `off`.
constexpr int32_t zero_relative(uint64_t off) { return int32_t(off) - int32_t(kWindowSize); }

// A 1:1 patch's load or store of a virtual CP0 field: lw, ld, sw or sd,
// relative to $zero, aligned, within the first `limit` bytes of the window
// (the Cp0State). In kernel mode it always lands there, in the running
// vCPU's window, so the engines access it directly (the virtual CP0 is the
// vCPU's own cp0 storage), without the software TLB.
struct WindowAccess {
    uint32_t offset;
    uint8_t size;
    bool store;
};
inline std::optional<WindowAccess> window_access(const Insn& i, uint64_t limit) {
    uint8_t size;
    bool store;
    switch (i.op) {
        case Opcode::lw: size = 4, store = false; break;
        case Opcode::ld: size = 8, store = false; break;
        case Opcode::sw: size = 4, store = true; break;
        case Opcode::sd: size = 8, store = true; break;
        default: return std::nullopt;
    }
    const int32_t imm = int16_t(i.word & 0xffff);
    if (i.rs != 0 || imm >= 0) return std::nullopt;
    const uint32_t offset = uint32_t(imm + int32_t(kWindowSize));
    if ((offset & (size - 1)) || offset + size > limit) return std::nullopt;
    return WindowAccess{offset, size, store};
}

// A store over the virtual Status or Cause, the two fields an interrupt's
// being pending depends on (see interrupt_pending).
inline bool may_unmask_interrupt(const WindowAccess& w) {
    auto overlaps = [&](size_t field) { return w.offset < field + 8 && field < w.offset + w.size; };
    return w.store && (overlaps(offsetof(Cp0State, status)) || overlaps(offsetof(Cp0State, cause)));
}

}  // namespace mipshv::comm_page
