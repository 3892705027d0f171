// Human-readable MIPS64 disassembly for traces, crash reports and test
// failures. Capstone does the decoding so that a bug in our own decoder can't
// hide itself in its own trace output.
#pragma once
#include <cstdint>
#include <string>

namespace mipshv {

// E.g. "addiu $sp, $sp, -0x20", or ".word 0x7c0000ff" when Capstone cannot
// decode the word. `pc` resolves branch and jump targets.
std::string disassemble(uint32_t word, uint64_t pc);

}  // namespace mipshv
