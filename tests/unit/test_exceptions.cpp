// Exception entry, vectors and the segment map, driven on a bare Cpu.
#include <catch2/catch.hpp>

#include "hv/board/bus.h"
#include "hv/cpu/cp0.h"
#include "hv/cpu/exception.h"
#include "hv/cpu/mmu.h"

using namespace mipshv;
using namespace mipshv::cp0;

namespace {
struct Fixture {
    Bus bus{16 << 20, 256 << 20, 512 << 20};
    Cpu c;
    Fixture() {
        c.bus = &bus;
        cp0_reset(c, 0);
        c.cp0.status = status::KX | status::SX | status::UX;  // kernel mode, BEV clear
        update_mmu_mode(c);
    }
    Insn at(uint64_t pc, bool delay_slot = false) {
        Insn i{};
        i.pc = pc;
        i.state = delay_slot ? insn_state::IN_DELAY_SLOT : 0;
        return i;
    }
    unsigned exccode() const { return unsigned((c.cp0.cause & cause::EXCCODE) >> cause::EXCCODE_SHIFT); }
};
}  // namespace

TEST_CASE("general exception sets EPC, ExcCode, EXL and jumps to EBase+0x180", "[exception]") {
    Fixture f;
    raise(f.c, f.at(0xffffffff80001000ull), Exc::SYS);
    CHECK(f.c.cp0.epc == 0xffffffff80001000ull);
    CHECK(f.exccode() == 8);
    CHECK((f.c.cp0.status & status::EXL));
    CHECK(f.c.pc == 0xffffffff80000180ull);
    CHECK_FALSE(f.c.cp0.cause & cause::BD);
}

TEST_CASE("an exception in a delay slot reports the branch and sets BD", "[exception]") {
    Fixture f;
    raise(f.c, f.at(0xffffffff80001004ull, true), Exc::OV);
    CHECK(f.c.cp0.epc == 0xffffffff80001000ull);
    CHECK((f.c.cp0.cause & cause::BD));
}

TEST_CASE("nested exceptions keep EPC and use the general vector", "[exception]") {
    Fixture f;
    raise(f.c, f.at(0xffffffff80001000ull), Exc::SYS);
    raise_tlb(f.c, f.at(0xffffffff80000190ull), Exc::TLBL, 0x1234, true);
    CHECK(f.c.cp0.epc == 0xffffffff80001000ull);
    CHECK(f.c.pc == 0xffffffff80000180ull);
    CHECK(f.exccode() == 2);
}

TEST_CASE("TLB refill vectors: XTLB for 64-bit regions, 0x000 otherwise; BEV moves the base", "[exception]") {
    Fixture f;
    raise_tlb(f.c, f.at(0xffffffff80001000ull), Exc::TLBL, 0x0000000000400000ull, true);
    CHECK(f.c.pc == 0xffffffff80000080ull);  // xuseg with UX=1
    CHECK(f.c.cp0.badvaddr == 0x400000);
    CHECK((f.c.cp0.entryhi & ~0xffull) == 0x400000);
    CHECK((f.c.cp0.context & 0x7ffff0) == ((0x400000 >> 9) & 0x7ffff0));
    exception_return(f.c);
    f.c.cp0.status &= ~status::UX;
    update_mmu_mode(f.c);
    raise_tlb(f.c, f.at(0xffffffff80001000ull), Exc::TLBS, 0x00400000ull, true);
    CHECK(f.c.pc == 0xffffffff80000000ull);
    exception_return(f.c);
    f.c.cp0.status |= status::BEV;
    raise(f.c, f.at(0xffffffff80001000ull), Exc::BP);
    CHECK(f.c.pc == 0xffffffffbfc00380ull);
}

TEST_CASE("ERET returns to EPC, clears EXL and the LL bit; ERL takes ErrorEPC", "[exception]") {
    Fixture f;
    raise(f.c, f.at(0xffffffff80002000ull), Exc::SYS);
    f.c.llbit = true;
    exception_return(f.c);
    CHECK(f.c.pc == 0xffffffff80002000ull);
    CHECK_FALSE(f.c.cp0.status & status::EXL);
    CHECK_FALSE(f.c.llbit);
    f.c.cp0.status |= status::ERL;
    f.c.cp0.errorepc = 0xffffffff80003000ull;
    exception_return(f.c);
    CHECK(f.c.pc == 0xffffffff80003000ull);
}

TEST_CASE("interrupts are taken only when enabled, unmasked and not at exception level", "[exception]") {
    Fixture f;
    cp0_set_irq_line(f.c, 2, true);
    CHECK_FALSE(interrupt_pending(f.c));
    f.c.cp0.status |= status::IE | (1u << 10);
    CHECK(interrupt_pending(f.c));
    f.c.cp0.status |= status::EXL;
    CHECK_FALSE(interrupt_pending(f.c));
    f.c.cp0.status &= ~status::EXL;
    f.c.pc = 0xffffffff80004000ull;
    f.c.cp0.cause |= cause::IV;
    CHECK(take_interrupt_if_pending(f.c));
    CHECK(f.c.pc == 0xffffffff80000200ull);
    CHECK(f.c.cp0.epc == 0xffffffff80004000ull);
}

TEST_CASE("segment map: unmapped kernel segments, user restrictions, address errors", "[mmu]") {
    Fixture f;
    CHECK(translate(f.c, 0xffffffff80001234ull, Access::LOAD).pa == 0x1234);
    CHECK(translate(f.c, 0xffffffffa0001234ull, Access::LOAD).pa == 0x1234);
    CHECK(translate(f.c, 0x9800000001234000ull, Access::LOAD).pa == 0x1234000);
    CHECK(translate(f.c, 0x0000000000100000ull, Access::LOAD).fault == TranslateFault::REFILL);
    CHECK(translate(f.c, 0x0000010000000000ull, Access::LOAD).fault == TranslateFault::ADDRESS_ERROR);  // beyond SEGBITS
    f.c.cp0.status |= 2u << status::KSU_SHIFT;  // user mode
    update_mmu_mode(f.c);
    CHECK(translate(f.c, 0xffffffff80001234ull, Access::LOAD).fault == TranslateFault::ADDRESS_ERROR);
    CHECK(translate(f.c, 0x9800000000000000ull, Access::LOAD).fault == TranslateFault::ADDRESS_ERROR);
    f.c.cp0.status |= status::ERL;  // ERL: kernel mode with kuseg unmapped
    update_mmu_mode(f.c);
    CHECK(translate(f.c, 0x1000, Access::LOAD).pa == 0x1000);
}

TEST_CASE("TLB invalid and modified faults", "[mmu]") {
    Fixture f;
    f.c.tlb.write(0, 0x8000, 0, (0x10ull << 6) | entrylo::V | entrylo::G, (0x11ull << 6) | entrylo::G);
    CHECK(translate(f.c, 0x8000, Access::LOAD).pa == 0x10000);
    CHECK(translate(f.c, 0x8000, Access::STORE).fault == TranslateFault::MODIFIED);
    CHECK(translate(f.c, 0x9000, Access::LOAD).fault == TranslateFault::INVALID);
}

TEST_CASE("Count advances with virtual time and Compare raises IP7", "[cp0]") {
    Fixture f;
    cp0_set_count(f.c, 100);
    cp0_write(f.c, COMPARE, 0, 110);
    f.c.set_ticks(f.c.ticks() + 10 * kTicksPerCount - 1);
    cp0_advance_timer(f.c);
    CHECK_FALSE(f.c.cp0.cause & cause::TI);
    f.c.set_ticks(f.c.ticks() + 1);
    CHECK(cp0_count(f.c) == 110);
    cp0_advance_timer(f.c);
    CHECK((f.c.cp0.cause & cause::TI));
    CHECK((f.c.cp0.cause & (1u << 15)));
    cp0_write(f.c, COMPARE, 0, 200);  // acknowledges
    CHECK_FALSE(f.c.cp0.cause & cause::TI);
}

TEST_CASE("CP0 write masks keep read-only fields", "[cp0]") {
    Fixture f;
    cp0_write(f.c, PRID, 0, 0x1234);
    CHECK(cp0_read(f.c, PRID, 0) == 0x00018900);
    cp0_write(f.c, STATUS, 0, ~0ull);
    CHECK((cp0_read(f.c, STATUS, 0) & (1u << 24)) == 0);  // MX not implemented
    cp0_write(f.c, PRID, 1, 0xffffffffull);               // EBase: CPUNum read-only, top bits fixed
    CHECK(uint32_t(cp0_read(f.c, PRID, 1)) == 0xbffff000u);
    CHECK(int64_t(cp0_read(f.c, CONFIG, 0)) < 0);  // M bit: Config1 follows
    CHECK(((cp0_read(f.c, CONFIG, 1) >> 25) & 63) == kTlbEntries - 1);
}
