// Turns a 32-bit instruction word into its Opcode: table-driven from
// instructions.def, bucketed by the major opcode so a lookup tries only the
// rows that can match.
#pragma once
#include <cstdint>

#include "hv/isa/opcode.h"

namespace mipshv {

Opcode decode_opcode(uint32_t word);

// Instruction fields, named as in the MIPS64 manuals.
constexpr unsigned field_rs(uint32_t w) { return (w >> 21) & 31; }
constexpr unsigned field_rt(uint32_t w) { return (w >> 16) & 31; }
constexpr unsigned field_rd(uint32_t w) { return (w >> 11) & 31; }
constexpr unsigned field_sa(uint32_t w) { return (w >> 6) & 31; }
constexpr unsigned field_fmt(uint32_t w) { return (w >> 21) & 31; }
constexpr unsigned field_ft(uint32_t w) { return (w >> 16) & 31; }
constexpr unsigned field_fs(uint32_t w) { return (w >> 11) & 31; }
constexpr unsigned field_fd(uint32_t w) { return (w >> 6) & 31; }
constexpr unsigned field_sel(uint32_t w) { return w & 7; }
constexpr int64_t field_simm(uint32_t w) { return int16_t(w & 0xffff); }
constexpr uint64_t field_uimm(uint32_t w) { return w & 0xffff; }

// J and JAL replace the low 28 bits of their delay slot's address: they
// reach only within its 256 MiB region.
constexpr uint64_t kJumpOffsetMask = 0x0fffffff;

}  // namespace mipshv
