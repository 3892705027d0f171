// Vocabulary for instruction semantics: with these, each instruction in
// exec_*.cpp reads like the pseudo-code of the architecture manual.
#pragma once
#include "hv/cpu/cpu.h"
#include "hv/cpu/exception.h"

namespace mipshv {

#define DEF_INSN(name) bool exec_##name([[maybe_unused]] Cpu& c, [[maybe_unused]] const Insn& i)

#define RS (c.gpr[i.rs])
#define RT (c.gpr[i.rt])
#define SIMM (int64_t(int16_t(i.word)))
#define UIMM (uint64_t(uint16_t(i.word)))
#define WRITE_DST(v) (c.gpr[i.dst] = (v))
#define CONTINUE return true

// Register value as the signed 32-bit quantity a 32-bit operation uses.
inline int32_t lo32(uint64_t v) { return int32_t(uint32_t(v)); }

}  // namespace mipshv
