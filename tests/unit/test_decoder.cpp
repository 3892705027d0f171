#include <catch2/catch.hpp>

#include "hv/isa/decoder.h"
#include "hv/isa/encode.h"
#include "hv/isa/opcode.h"

using namespace mipshv;

TEST_CASE("every table row is well formed and reachable", "[decoder]") {
    for (size_t k = 0; k < size_t(Opcode::invalid); ++k) {
        const OpcodeInfo& info = opcode_info(Opcode(k));
        INFO(info.name);
        CHECK((info.match & ~info.mask) == 0);
        // Some word of the row decodes to it: no earlier row shadows it whole.
        // (Its canonical word may belong to an alias, e.g. sll $0,$0,0 is nop.)
        bool reachable = false;
        for (uint32_t fill : {0u, 0xa5a5a5a5u, 0x5a5a5a5au, 0x0000ffc0u})
            reachable |= decode_opcode(info.match | (~info.mask & fill)) == Opcode(k);
        CHECK(reachable);
    }
}

TEST_CASE("decoder recognises representative encodings", "[decoder]") {
    CHECK(decode_opcode(0x00000000) == Opcode::nop);
    CHECK(decode_opcode(encode::addiu(8, 9, -1)) == Opcode::addiu);
    CHECK(decode_opcode(encode::sll(8, 9, 3)) == Opcode::sll);
    CHECK(decode_opcode(0x00294842) == Opcode::rotr);    // rotr t1, t1, 1
    CHECK(decode_opcode(0x03e00008) == Opcode::jr);      // jr ra
    CHECK(decode_opcode(0x03e00408) == Opcode::jr_hb);   // jr.hb ra
    CHECK(decode_opcode(0x0320f809) == Opcode::jalr);    // jalr t9
    CHECK(decode_opcode(0x7c09503b) == Opcode::rdhwr);   // rdhwr t1, $10 decodes (and faults at run time)
    CHECK(decode_opcode(0x42000018) == Opcode::eret);
    CHECK(decode_opcode(0x40086000) == Opcode::mfc0);    // mfc0 t0, Status
    CHECK(decode_opcode(0x41606000) == Opcode::di);
    CHECK(decode_opcode(0x41606020) == Opcode::ei);
    CHECK(decode_opcode(0x7000007f) == Opcode::sdbbp);   // sdbbp 1
    CHECK(decode_opcode(0xec000000) == Opcode::invalid); // opcode 59: reserved
}

TEST_CASE("sensitive instructions are classified in the table", "[decoder]") {
    CHECK(opcode_info(Opcode::mtc0).sensitive == SensitiveClass::CP0_WRITE);
    CHECK(opcode_info(Opcode::mfc0).sensitive == SensitiveClass::CP0_READ);
    CHECK(opcode_info(Opcode::tlbwr).sensitive == SensitiveClass::TLB);
    CHECK(opcode_info(Opcode::eret).sensitive == SensitiveClass::ERET);
    CHECK(opcode_info(Opcode::wait).sensitive == SensitiveClass::WAIT);
    CHECK(opcode_info(Opcode::cache).sensitive == SensitiveClass::CACHE);
    CHECK(opcode_info(Opcode::di).sensitive == SensitiveClass::INTERRUPT_MASK);
    CHECK(opcode_info(Opcode::addu).sensitive == SensitiveClass::NONE);
    CHECK(opcode_info(Opcode::syscall).sensitive == SensitiveClass::NONE);
}

// The register allocator keeps in host registers what an instruction names;
// a field that holds no register (rotr's rs of 1, a jump's target, an FPU
// register number) must not count, or it holds a host register for nothing.
TEST_CASE("the table tells which rs and rt fields are general registers read", "[decoder]") {
    using namespace gpr_read;
    const auto reads = [](uint32_t word) { return opcode_info(decode_opcode(word)).gpr_reads; };
    CHECK(reads(0x00294842) == RT);                 // rotr t1, t1, 1: rs is the rotate bit
    CHECK(reads(encode::sll(8, 9, 3)) == RT);
    CHECK(reads(encode::addu(8, 9, 10)) == (RS | RT));
    CHECK(reads(encode::addiu(8, 9, -1)) == RS);    // rt is the destination
    CHECK(reads(encode::lw(8, 4, 29)) == RS);
    CHECK(reads(encode::sw(8, 4, 29)) == (RS | RT));
    CHECK(reads(0x88a80003) == (RS | RT));          // lwl t0, 3(a1): merges into t0
    CHECK(reads(0xe0a80000) == (RS | RT));          // sc t0, 0(a1): stores t0, then writes it
    CHECK(reads(0x08000123) == 0);                  // j: the fields are the target
    CHECK(reads(0x04a00004) == RS);                 // bltz a1: rt is the REGIMM code
    CHECK(reads(0x3c081234) == 0);                  // lui t0
    CHECK(reads(0x0000000c) == 0);                  // syscall
    CHECK(reads(0x46062000) == 0);                  // add.s $f0, $f4, $f6: fmt and ft are no GPRs
    CHECK(reads(0x44882000) == RT);                 // mtc1 t0, $f4
    CHECK(reads(0x44082000) == 0);                  // mfc1 t0, $f4: t0 is the destination
    CHECK(reads(0xc4a40008) == RS);                 // lwc1 $f4, 8(a1): ft is an FPR
    CHECK(reads(0x4ca60000) == (RS | RT));          // lwxc1 $f0, a2(a1): base and index
    CHECK(reads(0x4c8a3021) == 0);                  // madd.d: fr is an FPR
    CHECK(reads(0x7c0318a0) == RT);                 // wsbh v1, v1
    CHECK(reads(0x40886000) == RT);                 // mtc0 t0, Status
}

// The patcher's scan decodes only words whose major opcode some sensitive
// row has: none may be skipped that the table calls sensitive.
TEST_CASE("the sensitive-major prefilter passes every sensitive row", "[decoder]") {
    for (size_t k = 0; k < size_t(Opcode::invalid); ++k) {
        const OpcodeInfo& info = opcode_info(Opcode(k));
        INFO(info.name);
        if (info.sensitive != SensitiveClass::NONE) CHECK(may_be_sensitive(info.match));
    }
    CHECK_FALSE(may_be_sensitive(encode::addu(8, 9, 10)));
    CHECK_FALSE(may_be_sensitive(encode::lw(8, 4, 29)));
    CHECK_FALSE(may_be_sensitive(0x0000000c));  // syscall
    CHECK(may_be_sensitive(0x42000018));        // eret
    CHECK(may_be_sensitive(0xbc000000));        // cache
}
