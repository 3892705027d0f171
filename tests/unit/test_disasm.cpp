#include <catch2/catch.hpp>

#include "hv/isa/disasm.h"

using mipshv::disassemble;

namespace {
constexpr uint64_t kKseg0Pc = 0xffffffff80001000;
}

TEST_CASE("disassembly uses Capstone's syntax", "[disasm]") {
    CHECK(disassemble(0x27bdffe0, kKseg0Pc) == "addiu $sp, $sp, -0x20");
    CHECK(disassemble(0xdfbf0008, kKseg0Pc) == "ld $ra, 8($sp)");
    CHECK(disassemble(0x7c031420, kKseg0Pc) == "seb $v0, $v1");  // Release 2
    CHECK(disassemble(0x42000018, kKseg0Pc) == "eret");
    CHECK(disassemble(0x00000000, kKseg0Pc) == "nop");
}

TEST_CASE("registers carry the n64 names of the register dumps", "[disasm]") {
    // Capstone says o32's $t0-$t7 for $8-$15; n64 calls them $a4-$a7, $t0-$t3.
    CHECK(disassemble(0x012a4021, kKseg0Pc) == "addu $a4, $a5, $a6");     // addu $8, $9, $10
    CHECK(disassemble(0x01ac5821, kKseg0Pc) == "addu $a7, $t1, $t0");     // addu $11, $13, $12
    CHECK(disassemble(0x01cf7025, kKseg0Pc) == "or $t2, $t2, $t3");       // or $14, $14, $15
    CHECK(disassemble(0x0319c021, kKseg0Pc) == "addu $t8, $t8, $t9");     // $24, $25: the same in both
    CHECK(disassemble(0xdd0a0010, kKseg0Pc) == "ld $a6, 0x10($a4)");      // ld $10, 16($8)
}

TEST_CASE("branch and jump targets are unsigned 64-bit addresses", "[disasm]") {
    CHECK(disassemble(0x10000003, kKseg0Pc) == "b 0xffffffff80001010");
    CHECK(disassemble(0x14800003, kKseg0Pc) == "bnez $a0, 0xffffffff80001010");
    CHECK(disassemble(0x04910001, kKseg0Pc) == "bgezal $a0, 0xffffffff80001008");
    CHECK(disassemble(0x0c000000, kKseg0Pc) == "jal 0xffffffff80000000");
    CHECK(disassemble(0x08000040, kKseg0Pc) == "j 0xffffffff80000100");
    CHECK(disassemble(0x10000003, 0x120000000) == "b 0x120000010");
    CHECK(disassemble(0x03e00008, kKseg0Pc) == "jr $ra");
}

TEST_CASE("undecodable words become .word directives", "[disasm]") {
    CHECK(disassemble(0xec000000, kKseg0Pc) == ".word 0xec000000");  // primary opcode 0x3b is reserved in R2
}
