// Human-readable MIPS64 disassembly for traces, crash reports and test
// failures. Capstone does the decoding so that a bug in our own decoder can't
// hide itself in its own trace output.
#pragma once
#include <cstdint>
#include <string>

namespace mipshv {

// The general-purpose registers' names in the n64 ABI, the guest kernel's:
// $8-$11 are a4-a7 and $12-$15 t0-t3 (o32 calls $8-$15 t0-t7). Register
// dumps and test failures name registers with these.
inline constexpr const char* kGprNames[32] = {"zero", "at", "v0", "v1", "a0", "a1", "a2", "a3",
                                              "a4",   "a5", "a6", "a7", "t0", "t1", "t2", "t3",
                                              "s0",   "s1", "s2", "s3", "s4", "s5", "s6", "s7",
                                              "t8",   "t9", "k0", "k1", "gp", "sp", "s8", "ra"};

// E.g. "addiu $sp, $sp, -0x20", or ".word 0x7c0000ff" when Capstone cannot
// decode the word. `pc` resolves branch and jump targets.
std::string disassemble(uint32_t word, uint64_t pc);

}  // namespace mipshv
