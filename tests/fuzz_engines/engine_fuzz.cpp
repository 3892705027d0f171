// Differential fuzzer for the two execution engines (in the spirit of
// dynarmic's fuzzing against a reference): every case generates a random
// MIPS64 program, deterministic from (seed, case), runs it on two fresh
// Machines -- `interp` (the reference) and `jit` -- from identical initial
// state, and compares the whole architectural state after each run slice:
// GPRs, HI/LO, PC, LLbit, FPRs, FCSR, every CP0 register in Cp0State, the
// TLB, instret, ticks, the timer deadline, the per-vCPU counters and the
// guest memory the program can reach. See README.md in this folder.
//
//   engine_fuzz --seed S --cases N [--verbose]     (--help lists the rest)
//
// The last line of output is always "engine_fuzz: N passed, M failed"; the
// exit status is 1 when a case failed.
#include <algorithm>
#include <chrono>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "hv/board/machine.h"
#include "hv/cpu/cp0.h"
#include "hv/cpu/exception.h"
#include "hv/cpu/fpu.h"
#include "hv/cpu/insn.h"
#include "hv/engine/jit/jit_context.h"
#include "hv/isa/decoder.h"
#include "hv/isa/disasm.h"
#include "hv/isa/opcode.h"

namespace {

using namespace mipshv;

// ============================================================================
// Random numbers: splitmix64, and only our own range reduction, so a
// (seed, case) pair gives the same program with any standard library.
// ============================================================================

struct Rng {
    uint64_t state;
    explicit Rng(uint64_t seed) : state(seed) {}
    uint64_t next() {
        uint64_t z = (state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    uint64_t below(uint64_t n) { return n ? next() % n : 0; }
    int64_t between(int64_t lo, int64_t hi) { return lo + int64_t(below(uint64_t(hi - lo + 1))); }
    bool percent(unsigned p) { return below(100) < p; }
};

uint64_t case_seed(uint64_t seed, uint64_t k) {
    Rng r(seed * 0x100000001b3ull ^ (k + 0x51ed270b27a3ull));
    r.next();
    return r.next() ^ k;
}

// ============================================================================
// The guest's memory layout (physical addresses; RAM is 8 MiB).
// ============================================================================

constexpr uint64_t kRamBytes = 8ull << 20;
constexpr uint64_t kKseg0 = 0xffffffff80000000ull, kKseg1 = 0xffffffffa0000000ull;
constexpr uint64_t kXkphys = 0x9800000000000000ull;  // cacheable, coherent
// The exception vectors, handler, prologue and exit stub sit away from
// physical 0: stores through wild pointers (0x8000000000000000 + small, say,
// which is xkphys) land low, and must not break the machinery.
constexpr uint64_t kEbasePa = 0x7c000;               // the exception vectors (EBase)
constexpr uint64_t kHandlerPa = 0x7d000;             // general exception handler
constexpr uint64_t kProloguePa = 0x7e000;            // the machine starts here (kseg0)
constexpr uint64_t kExitPa = 0x7f000;                // masks interrupts and WAITs: a halt
constexpr uint64_t kCodePa = 0x10000, kCodeBytes = 0x2000;  // the program body (two pages)
// A twin of the body with other straight-line instructions, which TLB
// writes in the body may map at the body's address (code in useg only).
constexpr uint64_t kTwinPa = 0x12000;
constexpr uint64_t kDataPa = 0x20000, kDataBytes = 0x2000, kDataBasePa = 0x21000;
// TLB-mapped data: VA 0x400000 RW (pa 0x30000), 0x401000 read-only (pa 0x31000),
// 0x402000 invalid, 0x403000 RW (pa 0x32000); anything else in useg: refill.
constexpr uint64_t kMapPa = 0x30000, kMapBytes = 0x3000;
constexpr uint64_t kMapVa = 0x400000, kMapBaseVa = 0x402000;
// Exception log written by the handler: count at +0, 64 records of 32 bytes
// (Cause, EPC, BadVAddr, Status) at +0x800.
constexpr uint64_t kLogPa = 0x40000, kLogBytes = 0x1000;
constexpr uint64_t kFullCompareBytes = 0x100000;  // compared at the end of every case
constexpr uint32_t kExitCode = 0xface5;           // `break kExitCode` ends the body
constexpr uint32_t kMaxBodyWords = 1000;

// Registers the body never writes (it may read them).
constexpr unsigned kK0 = 26, kK1 = 27;
constexpr unsigned kRegCode = 19;    // base VA of the code region, for computed jumps
constexpr unsigned kRegCnt0 = 20;    // loop counters
constexpr unsigned kRegCnt1 = 21;
constexpr unsigned kRegKseg0 = 22;   // data area through kseg0
constexpr unsigned kRegXkphys = 23;  // data area through xkphys
constexpr unsigned kRegMapped = 30;  // TLB-mapped data
// A path signature: only `daddiu sig, sig, imm` at random places (and in
// the twin) write it, so taking a different path shows in its value even
// when everything else converges again.
constexpr unsigned kRegSig = 18;
bool reserved(unsigned r) {
    return r == kRegCode || r == kRegCnt0 || r == kRegCnt1 || r == kRegKseg0 || r == kRegXkphys || r == kK0 ||
           r == kK1 || r == kRegMapped || r == kRegSig;
}
const unsigned kFreeRegs[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 24, 25, 28, 29, 31};

// ============================================================================
// Encoders.
// ============================================================================

namespace enc {
constexpr uint32_t R(unsigned op, unsigned rs, unsigned rt, unsigned rd, unsigned sa, unsigned fn) {
    return (op << 26) | ((rs & 31) << 21) | ((rt & 31) << 16) | ((rd & 31) << 11) | ((sa & 31) << 6) | (fn & 63);
}
constexpr uint32_t I(unsigned op, unsigned rs, unsigned rt, int64_t imm) {
    return (op << 26) | ((rs & 31) << 21) | ((rt & 31) << 16) | (uint32_t(imm) & 0xffff);
}
constexpr uint32_t nop = 0;
constexpr uint32_t eret = 0x42000018, wait = 0x42000020, tlbwi = 0x42000002, tlbwr = 0x42000006;
constexpr uint32_t tlbp = 0x42000008, tlbr = 0x42000001;
constexpr uint32_t sll(unsigned rd, unsigned rt, unsigned sa) { return R(0, 0, rt, rd, sa, 0); }
constexpr uint32_t dsll(unsigned rd, unsigned rt, unsigned sa) { return R(0, 0, rt, rd, sa, 0x38); }
constexpr uint32_t dsll32(unsigned rd, unsigned rt, unsigned sa) { return R(0, 0, rt, rd, sa, 0x3c); }
constexpr uint32_t daddu(unsigned rd, unsigned rs, unsigned rt) { return R(0, rs, rt, rd, 0, 0x2d); }
constexpr uint32_t xor_(unsigned rd, unsigned rs, unsigned rt) { return R(0, rs, rt, rd, 0, 0x26); }
constexpr uint32_t addiu(unsigned rt, unsigned rs, int64_t imm) { return I(0x09, rs, rt, imm); }
constexpr uint32_t daddiu(unsigned rt, unsigned rs, int64_t imm) { return I(0x19, rs, rt, imm); }
constexpr uint32_t andi(unsigned rt, unsigned rs, unsigned imm) { return I(0x0c, rs, rt, imm); }
constexpr uint32_t ori(unsigned rt, unsigned rs, unsigned imm) { return I(0x0d, rs, rt, imm); }
constexpr uint32_t xori(unsigned rt, unsigned rs, unsigned imm) { return I(0x0e, rs, rt, imm); }
constexpr uint32_t lui(unsigned rt, unsigned imm) { return I(0x0f, 0, rt, imm); }
constexpr uint32_t lw(unsigned rt, int64_t off, unsigned base) { return I(0x23, base, rt, off); }
constexpr uint32_t sw(unsigned rt, int64_t off, unsigned base) { return I(0x2b, base, rt, off); }
constexpr uint32_t sd(unsigned rt, int64_t off, unsigned base) { return I(0x3f, base, rt, off); }
constexpr uint32_t beq(unsigned rs, unsigned rt, int64_t off) { return I(0x04, rs, rt, off); }
constexpr uint32_t bne(unsigned rs, unsigned rt, int64_t off) { return I(0x05, rs, rt, off); }
constexpr uint32_t bgez(unsigned rs, int64_t off) { return I(0x01, rs, 1, off); }
constexpr uint32_t mfc0(unsigned rt, unsigned rd, unsigned sel = 0) { return (0x10u << 26) | (0u << 21) | ((rt & 31) << 16) | ((rd & 31) << 11) | (sel & 7); }
constexpr uint32_t dmfc0(unsigned rt, unsigned rd, unsigned sel = 0) { return (0x10u << 26) | (1u << 21) | ((rt & 31) << 16) | ((rd & 31) << 11) | (sel & 7); }
constexpr uint32_t mtc0(unsigned rt, unsigned rd, unsigned sel = 0) { return (0x10u << 26) | (4u << 21) | ((rt & 31) << 16) | ((rd & 31) << 11) | (sel & 7); }
constexpr uint32_t dmtc0(unsigned rt, unsigned rd, unsigned sel = 0) { return (0x10u << 26) | (5u << 21) | ((rt & 31) << 16) | ((rd & 31) << 11) | (sel & 7); }
constexpr uint32_t di(unsigned rt) { return 0x41606000u | ((rt & 31) << 16); }
constexpr uint32_t ei(unsigned rt) { return 0x41606020u | ((rt & 31) << 16); }
constexpr uint32_t j_to(uint64_t target) { return (0x02u << 26) | uint32_t((target >> 2) & 0x03ffffff); }
constexpr uint32_t jal_to(uint64_t target) { return (0x03u << 26) | uint32_t((target >> 2) & 0x03ffffff); }
constexpr uint32_t jr(unsigned rs, bool hb = false) { return R(0, rs, 0, 0, hb ? 0x10 : 0, 0x08); }
constexpr uint32_t jalr(unsigned rd, unsigned rs, bool hb = false) { return R(0, rs, 0, rd, hb ? 0x10 : 0, 0x09); }
constexpr uint32_t syscall(uint32_t code) { return 0x0000000c | ((code & 0xfffff) << 6); }
constexpr uint32_t break_(uint32_t code) { return 0x0000000d | ((code & 0xfffff) << 6); }
constexpr uint32_t rdhwr(unsigned rt, unsigned rd) { return (0x1fu << 26) | ((rt & 31) << 16) | ((rd & 31) << 11) | 0x3b; }
constexpr uint32_t rdpgpr(unsigned rd, unsigned rt) { return 0x41400000u | ((rt & 31) << 16) | ((rd & 31) << 11); }
constexpr uint32_t wrpgpr(unsigned rd, unsigned rt) { return 0x41c00000u | ((rt & 31) << 16) | ((rd & 31) << 11); }
// Bit fields: pos = lsb, size in bits (valid ranges are the caller's job).
constexpr uint32_t ext(unsigned rt, unsigned rs, unsigned pos, unsigned size) { return R(0x1f, rs, rt, size - 1, pos, 0); }
constexpr uint32_t ins(unsigned rt, unsigned rs, unsigned pos, unsigned size) { return R(0x1f, rs, rt, pos + size - 1, pos, 4); }
constexpr uint32_t dext(unsigned rt, unsigned rs, unsigned pos, unsigned size) { return R(0x1f, rs, rt, size - 1, pos, 3); }
constexpr uint32_t dextm(unsigned rt, unsigned rs, unsigned pos, unsigned size) { return R(0x1f, rs, rt, size - 33, pos, 1); }
constexpr uint32_t dextu(unsigned rt, unsigned rs, unsigned pos, unsigned size) { return R(0x1f, rs, rt, size - 1, pos - 32, 2); }
constexpr uint32_t dins(unsigned rt, unsigned rs, unsigned pos, unsigned size) { return R(0x1f, rs, rt, pos + size - 1, pos, 7); }
constexpr uint32_t dinsm(unsigned rt, unsigned rs, unsigned pos, unsigned size) { return R(0x1f, rs, rt, pos + size - 33, pos, 5); }
constexpr uint32_t dinsu(unsigned rt, unsigned rs, unsigned pos, unsigned size) { return R(0x1f, rs, rt, pos + size - 33, pos - 32, 6); }
constexpr uint32_t bc1(unsigned cc, bool likely, bool on_true, int64_t off) {
    return (0x11u << 26) | (8u << 21) | ((cc & 7) << 18) | (unsigned(likely) << 17) | (unsigned(on_true) << 16) | (uint32_t(off) & 0xffff);
}
}  // namespace enc

constexpr uint32_t kExitWord = enc::break_(kExitCode);

// A small assembler with labels, for the fixed pieces of every program.
struct Asm {
    std::vector<uint32_t> words;
    std::map<std::string, size_t> labels;
    std::vector<std::pair<size_t, std::string>> fixups;
    void operator()(uint32_t w) { words.push_back(w); }
    void branch(uint32_t w, const std::string& label) {
        fixups.emplace_back(words.size(), label);
        words.push_back(w);
    }
    void label(const std::string& l) { labels[l] = words.size(); }
    // Loads a 32-bit value (sign-extended, as lui does).
    void li(unsigned r, uint32_t v) {
        if (v <= 0xffff) {
            (*this)(enc::ori(r, 0, v));
            return;
        }
        (*this)(enc::lui(r, v >> 16));
        if (v & 0xffff) (*this)(enc::ori(r, r, v & 0xffff));
    }
    std::vector<uint32_t> finish() {
        for (auto& [at, l] : fixups) words[at] |= uint32_t(int64_t(labels.at(l)) - int64_t(at + 1)) & 0xffff;
        return words;
    }
};

// ============================================================================
// A generated program: its configuration, body and initial state.
// ============================================================================

enum class Seg : uint8_t { KSEG0, KSEG1, XKPHYS, USEG };
const char* seg_name(Seg s) {
    switch (s) {
        case Seg::KSEG0: return "kseg0";
        case Seg::KSEG1: return "kseg1";
        case Seg::XKPHYS: return "xkphys";
        case Seg::USEG: return "useg(TLB)";
    }
    return "?";
}
uint64_t seg_base(Seg s) {
    switch (s) {
        case Seg::KSEG0: return kKseg0;
        case Seg::KSEG1: return kKseg1;
        case Seg::XKPHYS: return kXkphys;
        case Seg::USEG: return 0;  // VA 0x10000.. maps to PA 0x10000..
    }
    return 0;
}

struct Config {
    Seg seg = Seg::KSEG0;  // where the body is fetched from
    bool user = false;     // body runs in user or supervisor mode (seg must be USEG)
    bool supervisor = false;  // with `user`: supervisor mode (KSU=1) instead of user (KSU=2)
    bool straight = false;    // no branches but loops: long blocks
    uint32_t status = 0;   // Status while the body runs (KSU and EXL apart)
    bool timer = false;    // Count = 0 and Compare = timer_first at the start
    uint32_t timer_first = 0;
    uint32_t timer_rearm = 0;  // the handler sets Compare = Count + this (0: one-shot)
    uint8_t asid = 0;
    bool global[3] = {true, true, true};
    bool twin = false;  // the body remaps its own code between kCodePa and kTwinPa
    uint8_t entry1_asid = 0;  // entry 1 (0x402000/0x403000) when not global
    uint32_t start_off = 0;   // byte offset of the body in the code region
    // The QEMU-comparable subset (--qemu-subset, --write-elf; README.md):
    // no timer, interrupts, CP0, TLB writes, self-modifying code, twin or
    // wild addresses; FR=1; no UNPREDICTABLE operand; the handler logs only
    // architected fields.
    bool qemu = false;
};

struct Program {
    Config cfg;
    std::vector<uint32_t> body;
    std::vector<uint32_t> twin;  // at kTwinPa + start_off (cfg.twin)
    uint64_t gpr[32] = {}, hi = 0, lo = 0, fpr[32] = {};
    uint32_t fcsr = 0;
    std::vector<uint8_t> data, mapped;
    std::vector<uint64_t> schedule;  // run() budgets, one after the other
};

uint64_t code_base_va(const Config& c) { return seg_base(c.seg) + kCodePa; }
uint64_t body_va(const Config& c) { return code_base_va(c) + c.start_off; }

constexpr uint64_t entrylo(uint64_t pa, bool d, bool v, bool g) {
    return ((pa >> 12) << 6) | (3u << 3) | (d ? 4u : 0u) | (v ? 2u : 0u) | (g ? 1u : 0u);
}

struct TlbSetup {
    uint64_t hi, lo0, lo1;
};
std::vector<TlbSetup> tlb_setup(const Config& c) {
    const bool g0 = c.global[0], g1 = c.global[1], g2 = c.global[2];
    return {
        {kMapVa | c.asid, entrylo(kMapPa, true, true, g0), entrylo(kMapPa + 0x1000, false, true, g0)},
        {(kMapVa + 0x2000) | (g1 ? c.asid : c.entry1_asid), entrylo(0, true, false, g1), entrylo(kMapPa + 0x2000, true, true, g1)},
        {kCodePa | c.asid, entrylo(kCodePa, true, true, g2), entrylo(kCodePa + 0x1000, true, true, g2)},
    };
}

// Runs in kseg0 from reset state (ERL=1, BEV=1): EBase, Wired, the TLB,
// the timer and Status, then enters the body (by ERET when in user mode).
std::vector<uint32_t> prologue(const Config& c) {
    using namespace enc;
    Asm a;
    a.li(kK0, uint32_t(kKseg0 + kEbasePa));
    a(mtc0(kK0, cp0::PRID, 1));  // EBase
    a(mtc0(0, cp0::CAUSE));
    a.li(kK0, 3);
    a(mtc0(kK0, cp0::WIRED));
    a(mtc0(0, cp0::PAGEMASK));
    const auto entries = tlb_setup(c);
    for (unsigned e = 0; e < entries.size(); ++e) {
        a.li(kK0, e);
        a(mtc0(kK0, cp0::INDEX));
        a.li(kK0, uint32_t(entries[e].hi));
        a(dmtc0(kK0, cp0::ENTRYHI));
        a.li(kK0, uint32_t(entries[e].lo0));
        a(dmtc0(kK0, cp0::ENTRYLO0));
        a.li(kK0, uint32_t(entries[e].lo1));
        a(dmtc0(kK0, cp0::ENTRYLO1));
        a(tlbwi);
    }
    a.li(kK0, c.asid);
    a(dmtc0(kK0, cp0::ENTRYHI));
    if (c.timer) {
        a(mtc0(0, cp0::COUNT));
        a.li(kK0, c.timer_first);
        a(mtc0(kK0, cp0::COMPARE));
    }
    const uint64_t va = body_va(c);
    switch (c.seg) {
        case Seg::KSEG0: case Seg::KSEG1: case Seg::USEG: a.li(kK1, uint32_t(va)); break;
        case Seg::XKPHYS:
            a(lui(kK1, uint32_t(kXkphys >> 48)));
            a(dsll32(kK1, kK1, 0));
            a.li(kK0, uint32_t(va));
            a(daddu(kK1, kK1, kK0));
            break;
    }
    if (c.user) {
        a(dmtc0(kK1, cp0::EPC));
        a.li(kK0, c.status | uint32_t(cp0::status::EXL) | ((c.supervisor ? 1u : 2u) << cp0::status::KSU_SHIFT));
        a(mtc0(kK0, cp0::STATUS));
        a(eret);
    } else {
        a.li(kK0, c.status);
        a(mtc0(kK0, cp0::STATUS));
        a(jr(kK1));
        a(nop);
    }
    return a.finish();
}

// The exception handler (every vector jumps here). It logs Cause, EPC,
// BadVAddr and Status, then: an interrupt clears the software interrupts
// and re-arms (or stops) the timer and returns; `break kExitCode` and
// instruction-fetch faults (EPC == BadVAddr) leave for the exit stub in
// kernel mode; anything else resumes after the faulting instruction (after
// the branch when it was in a delay slot). Only k0/k1 are used.
std::vector<uint32_t> handler(const Config& c) {
    using namespace enc;
    Asm h;
    h(lui(kK0, uint32_t((kKseg0 + kLogPa) >> 16) & 0xffff));
    h(lw(kK1, 0, kK0));
    h(addiu(kK1, kK1, 1));
    h(sw(kK1, 0, kK0));
    h(andi(kK1, kK1, 63));
    h(sll(kK1, kK1, 5));
    h(daddu(kK1, kK1, kK0));
    h(mfc0(kK0, cp0::CAUSE));
    if (c.qemu) {
        // BD, CE and ExcCode only: IP, TI and the rest follow the board's
        // interrupt lines and timer, which differ between boards.
        h(ins(kK0, 0, 7, 21));
        h(ins(kK0, 0, 30, 1));
        // CE is UNPREDICTABLE but for Coprocessor Unusable (QEMU leaves
        // the last one's): kept only for ExcCode 11.
        h(sd(kK0, 0x800, kK1));
        h(andi(kK0, kK0, 0x7c));
        h(xori(kK0, kK0, 11u << 2));
        h.branch(beq(kK0, 0, 0), "cpu");
        h(I(0x37, kK1, kK0, 0x800));  // ld (in the slot: k0 = Cause again either way)
        h(ins(kK0, 0, 28, 2));
        h.label("cpu");
    }
    h(sd(kK0, 0x800, kK1));
    h(dmfc0(kK0, cp0::EPC));
    h(sd(kK0, 0x808, kK1));
    if (c.qemu) {
        // BadVAddr only for the exceptions that set it (Mod, TLBL, TLBS,
        // AdEL, AdES: ExcCode 1..5), 0 otherwise: its reset value is
        // UNPREDICTABLE.
        h(mfc0(kK0, cp0::CAUSE));
        h(andi(kK0, kK0, 0x7c));
        h(addiu(kK0, kK0, -4));
        h(I(0x0b, kK0, kK0, 20));  // sltiu
        h.branch(beq(kK0, 0, 0), "nobva");
        h(sd(0, 0x810, kK1));
    }
    h(dmfc0(kK0, cp0::BADVADDR));
    h(sd(kK0, 0x810, kK1));
    h.label("nobva");
    h(mfc0(kK0, cp0::STATUS));
    h(sd(kK0, 0x818, kK1));
    h(mfc0(kK0, cp0::CAUSE));
    h(andi(kK1, kK0, 0x7c));
    h.branch(beq(kK1, 0, 0), "int");
    h(xori(kK1, kK1, 9u << 2));  // Bp
    h.branch(beq(kK1, 0, 0), "brk");
    h(nop);
    h.label("chk");
    h(dmfc0(kK1, cp0::EPC));
    h(dmfc0(kK0, cp0::BADVADDR));
    h.branch(beq(kK0, kK1, 0), "exit");
    h(nop);
    h(mfc0(kK0, cp0::CAUSE));
    h.branch(bgez(kK0, 0), "nobd");
    h(daddiu(kK1, kK1, 4));
    h(daddiu(kK1, kK1, 4));
    h.label("nobd");
    h(dmtc0(kK1, cp0::EPC));
    h(eret);
    h.label("brk");
    h(dmfc0(kK1, cp0::EPC));
    h(lw(kK0, 0, kK1));
    h(lui(kK1, kExitWord >> 16));
    h(ori(kK1, kK1, kExitWord & 0xffff));
    h.branch(bne(kK0, kK1, 0), "chk");
    h(nop);
    h.label("exit");
    h(mfc0(kK0, cp0::STATUS));
    h(ins(kK0, 0, 3, 2));  // KSU = kernel
    h(mtc0(kK0, cp0::STATUS));
    h(lui(kK1, uint32_t((kKseg0 + kExitPa) >> 16) & 0xffff));
    h(ori(kK1, kK1, uint32_t(kExitPa) & 0xffff));
    h(dmtc0(kK1, cp0::EPC));
    h(eret);
    h.label("int");
    h(mtc0(0, cp0::CAUSE));
    if (c.timer_rearm) {
        h(mfc0(kK0, cp0::COUNT));
        h(addiu(kK0, kK0, c.timer_rearm));
        h(mtc0(kK0, cp0::COMPARE));
    } else {
        h(mtc0(0, cp0::COMPARE));
    }
    h(eret);
    return h.finish();
}

// Interrupts off, IM cleared, WAIT: the machine halts.
std::vector<uint32_t> exit_stub() {
    using namespace enc;
    return {di(0), mfc0(kK0, cp0::STATUS), ins(kK0, 0, 8, 8), mtc0(kK0, cp0::STATUS), wait, beq(0, 0, -1), nop};
}

// ============================================================================
// The opcode table, split into what the generic generators may pick.
// ============================================================================

bool is_mem_major(unsigned major) { return major == 0x1a || major == 0x1b || major >= 0x20; }

struct Tables {
    std::vector<Opcode> int_ops, fpu_ops;
    Tables() {
        for (size_t k = 0; k < size_t(Opcode::invalid); ++k) {
            const Opcode op = Opcode(k);
            const OpcodeInfo& info = opcode_info(op);
            if (info.flags & (insn_flag::BRANCH | insn_flag::ENDS)) continue;
            if (info.sensitive != SensitiveClass::NONE) continue;
            const unsigned major = info.match >> 26;
            if (is_mem_major(major)) continue;
            if (op == Opcode::rdhwr) continue;  // the CP0 group makes these
            if (major == 0x13 && (info.match & 0x3f) < 0x10) continue;  // COP1X loads/stores/prefx
            if (major == 0x11 || major == 0x13 || op == Opcode::movf || op == Opcode::movt) fpu_ops.push_back(op);
            else int_ops.push_back(op);
        }
    }
};
const Tables& tables() {
    static const Tables t;
    return t;
}

// ============================================================================
// The generator.
// ============================================================================

struct MemKind {
    unsigned major, size;
    bool store, fpu, unaligned_ok, writes_gpr;
    unsigned weight;
};
const MemKind kMemKinds[] = {
    {0x20, 1, false, false, false, true, 6},  // lb
    {0x24, 1, false, false, false, true, 5},  // lbu
    {0x21, 2, false, false, false, true, 5},  // lh
    {0x25, 2, false, false, false, true, 5},  // lhu
    {0x23, 4, false, false, false, true, 8},  // lw
    {0x27, 4, false, false, false, true, 5},  // lwu
    {0x37, 8, false, false, false, true, 8},  // ld
    {0x28, 1, true, false, false, false, 6},  // sb
    {0x29, 2, true, false, false, false, 6},  // sh
    {0x2b, 4, true, false, false, false, 8},  // sw
    {0x3f, 8, true, false, false, false, 8},  // sd
    {0x22, 4, false, false, true, true, 3},   // lwl
    {0x26, 4, false, false, true, true, 3},   // lwr
    {0x1a, 8, false, false, true, true, 3},   // ldl
    {0x1b, 8, false, false, true, true, 3},   // ldr
    {0x2a, 4, true, false, true, false, 3},   // swl
    {0x2e, 4, true, false, true, false, 3},   // swr
    {0x2c, 8, true, false, true, false, 3},   // sdl
    {0x2d, 8, true, false, true, false, 3},   // sdr
    {0x30, 4, false, false, false, true, 2},  // ll
    {0x34, 8, false, false, false, true, 2},  // lld
    {0x38, 4, true, false, false, true, 2},   // sc
    {0x3c, 8, true, false, false, true, 2},   // scd
    {0x31, 4, false, true, false, false, 3},  // lwc1
    {0x35, 8, false, true, false, false, 3},  // ldc1
    {0x39, 4, true, true, false, false, 3},   // swc1
    {0x3d, 8, true, true, false, false, 3},   // sdc1
    {0x33, 1, false, false, true, false, 1},  // pref
};

class Generator {
public:
    Generator(Rng& rng, Program& p) : r_(rng), p_(p) {}
    void generate();

private:
    // A branch or jump whose target is chosen when the body is complete.
    enum class FixKind : uint8_t { BRANCH, JUMP_ABS, JR_SETUP };
    struct Fixup {
        size_t at;
        size_t lo, hi;  // target index range
        FixKind kind;
    };
    struct Loop {
        unsigned counter;
        size_t top, end;
    };

    void emit(uint32_t w) { body().push_back(w); }
    std::vector<uint32_t>& body() { return p_.body; }
    size_t here() const { return p_.body.size(); }

    unsigned src_gpr() {
        unsigned x = unsigned(r_.below(100));
        if (x < 78) return gpool_[r_.below(gpool_.size())];
        if (x < 88) return 0;
        const unsigned r = unsigned(r_.below(32));
        // k0/k1 hold what the handler left: Cause's IP and CE bits follow
        // the board (QEMU subset).
        if (p_.cfg.qemu && (r == kK0 || r == kK1)) return gpool_[r_.below(gpool_.size())];
        return r;
    }
    unsigned dst_gpr() {
        unsigned x = unsigned(r_.below(100));
        if (x < 90) return gpool_[r_.below(gpool_.size())];
        if (x < 95) return 0;
        return kFreeRegs[r_.below(std::size(kFreeRegs))];
    }
    unsigned fpr() { return r_.percent(85) ? fpool_[r_.below(fpool_.size())] : unsigned(r_.below(32)); }

    void init_state();
    void init_config();
    uint32_t table_word(Opcode op, bool fpu);
    uint32_t alu_word() {
        for (int attempt = 0; attempt < 16; ++attempt) {
            const uint32_t w = table_word(tables().int_ops[r_.below(tables().int_ops.size())], false);
            if (!p_.cfg.qemu || qemu_ok(w)) return w;
        }
        return enc::nop;
    }
    uint32_t fpu_word() {
        for (int attempt = 0; attempt < 16; ++attempt) {
            const uint32_t w = table_word(tables().fpu_ops[r_.below(tables().fpu_ops.size())], true);
            if (!p_.cfg.qemu || qemu_ok(w)) return w;
        }
        return enc::nop;
    }
    uint32_t bitfield_word();
    uint32_t mem_word(bool allow_code_base, int base_wanted = -1, int64_t off_wanted = 0);
    uint32_t exception_word();
    uint32_t slot_word();
    uint32_t signature_word() { return enc::daddiu(kRegSig, kRegSig, r_.between(1, 0x7fff)); }
    // QEMU subset: the registers `w` reads as 32-bit values (UNPREDICTABLE
    // unless they hold sign-extended words); emit_sext() makes them so with
    // `sll r, r, 0` right before `w` (no branch lands between).
    std::vector<unsigned> sext_inputs(uint32_t w) const;
    bool qemu_ok(uint32_t w) const;
    bool emit_sext(uint32_t w);
    uint32_t qemu_slot_safe(uint32_t (Generator::*make)());

    void gen_item();
    void gen_chain32();
    void gen_branch();
    void gen_fpu_branch();
    void gen_jump();
    void gen_li();
    void gen_llsc();
    void gen_indexed_fpu_mem();
    void gen_wild_mem();
    void gen_cp0();
    void gen_tlb_remap();
    void gen_pointer_walk();
    void gen_code_remap();
    void make_twin();
    void gen_smc();
    void begin_loop();
    void close_loop();
    void forward(size_t at, FixKind kind, size_t span);
    // The instructions since `first` run only as a whole: no branch lands
    // inside, no self-modifying store changes them.
    void atomic_since(size_t first) {
        for (size_t k = first; k < here(); ++k) {
            protected_.insert(k);
            if (k > first) no_land_.insert(k);
        }
    }
    void resolve();

    Rng& r_;
    Program& p_;
    std::vector<unsigned> gpool_, fpool_;
    std::vector<Loop> loops_;
    unsigned loops_made_ = 0;
    std::vector<Fixup> fixups_;
    std::set<size_t> no_land_;    // jr/jalr: reached only from their target setup
    std::set<size_t> protected_;  // loop control and jump setups: SMC leaves them alone
    std::vector<std::pair<size_t, uint32_t>> smc_;  // sw index, word to store
};

void Generator::init_config() {
    Config& c = p_.cfg;
    if (c.qemu) {
        // Kernel code in an unmapped segment or user/supervisor code
        // through the TLB; no timer, no interrupts (IE = IM = 0), FR = 1.
        const unsigned s = unsigned(r_.below(100));
        c.seg = s < 40 ? Seg::KSEG0 : s < 55 ? Seg::KSEG1 : s < 75 ? Seg::XKPHYS : Seg::USEG;
        c.user = c.seg == Seg::USEG && r_.percent(60);
        c.supervisor = c.user && r_.percent(35);
        c.straight = r_.percent(12);
        using namespace cp0::status;
        uint64_t st = KX | FR;
        if (r_.percent(95)) st |= CU1;
        if (r_.percent(70)) st |= UX;
        if (r_.percent(50)) st |= SX;
        // 64-bit operations in user (supervisor) mode need UX (SX): mipshv
        // does not raise Reserved Instruction without them (README.md,
        // "Found against QEMU"), so the subset keeps them enabled.
        if (c.user) st |= c.supervisor ? SX : UX;
        c.status = uint32_t(st);
        c.asid = uint8_t(r_.below(256));
        for (bool& g : c.global) g = r_.percent(60);
        c.entry1_asid = r_.percent(75) ? c.asid : uint8_t(r_.below(256));
        c.start_off = uint32_t(r_.below(0x1000 / 4) * 4);
        return;
    }
    const unsigned s = unsigned(r_.below(100));
    c.seg = s < 40 ? Seg::KSEG0 : s < 50 ? Seg::KSEG1 : s < 72 ? Seg::XKPHYS : Seg::USEG;
    c.user = c.seg == Seg::USEG && r_.percent(55);
    c.supervisor = c.user && r_.percent(35);
    c.straight = r_.percent(12);
    c.twin = c.seg == Seg::USEG && r_.percent(60);
    using namespace cp0::status;
    uint64_t st = KX;
    if (r_.percent(95)) st |= CU1;
    if (r_.percent(80)) st |= FR;
    if (r_.percent(50)) st |= UX;
    if (r_.percent(30)) st |= SX;
    if (r_.percent(15)) st |= CU0;
    c.timer = r_.percent(30);
    if (c.timer) {
        c.timer_first = uint32_t(r_.between(1, 400));
        const unsigned rearm = unsigned(r_.below(10));
        c.timer_rearm = rearm < 5 ? uint32_t(r_.between(4, 40)) : rearm < 8 ? uint32_t(r_.between(40, 300)) : 0;
        st |= 1u << 15;  // IM7
        if (r_.percent(90)) st |= IE;
    } else if (r_.percent(50)) {
        st |= IE;
    }
    if (r_.percent(70)) st |= 3u << 8;  // IM0/IM1: software interrupts
    if (r_.percent(20)) st |= r_.below(256) << 8;
    c.status = uint32_t(st);
    c.asid = uint8_t(r_.below(256));
    for (bool& g : c.global) g = r_.percent(60);
    c.entry1_asid = r_.percent(75) ? c.asid : uint8_t(r_.below(256));
    c.start_off = uint32_t(r_.below(0x1000 / 4) * 4);
    // Twin programs run their remaps in kernel mode, and straddle the two
    // pages early so that loops span a page that changes and one that does not.
    c.twin = c.twin && (!c.user || (st & CU0));
    if (c.twin) c.start_off = uint32_t(0x1000 - 4 * r_.between(8, 100));
}

uint64_t interesting_value(Rng& r) {
    static const uint64_t kSpecial[] = {0,
                                        1,
                                        ~0ull,
                                        2,
                                        0x7fffffffull,
                                        0xffffffff80000000ull,
                                        0x80000000ull,
                                        0xffffffffull,
                                        0x7fffffffffffffffull,
                                        0x8000000000000000ull,
                                        0x00000000ffff0000ull,
                                        0xffffffff7fffffffull,
                                        0x0000000100000000ull,
                                        32,
                                        63,
                                        31,
                                        64};
    switch (r.below(10)) {
        case 0: case 1: return kSpecial[r.below(std::size(kSpecial))];
        case 2: return r.below(64);
        case 3: return uint64_t(-int64_t(r.below(64)));
        case 4: case 5: return sext32(r.next());
        case 6: return 1ull << r.below(64);
        case 7: return kKseg0 + kDataBasePa + (r.below(0x100) & ~7ull);  // pointer into the data area
        case 8: return kMapBaseVa - 0x800 + (r.below(0x1000) & ~7ull);   // pointer into the mapped area
        default: return r.next();
    }
}

uint64_t fp_value(Rng& r) {
    static const uint64_t kDoubles[] = {0x0000000000000000ull, 0x8000000000000000ull, 0x3ff0000000000000ull,
                                        0xbff0000000000000ull, 0x3ff8000000000000ull, 0x4000000000000000ull,
                                        0x3fb999999999999aull, 0x7fefffffffffffffull, 0x0010000000000000ull,
                                        0x0000000000000001ull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
                                        0x7ff7ffffffffffffull, 0x7ff8000000000000ull, 0x7ff0000000000001ull,
                                        0x41dfffffffc00000ull, 0xc1e0000000000000ull, 0x43e0000000000000ull,
                                        0x4059000000000000ull, 0x000fffffffffffffull};
    static const uint32_t kSingles[] = {0x00000000u, 0x80000000u, 0x3f800000u, 0xbf800000u, 0x3fc00000u,
                                        0x40000000u, 0x3dcccccdu, 0x7f7fffffu, 0x00800000u, 0x00000001u,
                                        0x7f800000u, 0xff800000u, 0x7fbfffffu, 0x7fc00000u, 0x7f800001u,
                                        0x4effffffu, 0xcf000000u, 0x42c80000u, 0x007fffffu, 0x00000003u};
    switch (r.below(4)) {
        case 0: return r.next();
        case 1: return kDoubles[r.below(std::size(kDoubles))];
        case 2: return (uint64_t(kSingles[r.below(std::size(kSingles))]) << 32) | kSingles[r.below(std::size(kSingles))];
        default: return r.percent(50) ? r.below(200) : uint64_t(-int64_t(r.below(200)));  // integers for cvt
    }
}

void Generator::init_state() {
    for (unsigned k = 1; k < 32; ++k) p_.gpr[k] = interesting_value(r_);
    p_.gpr[kRegCode] = code_base_va(p_.cfg);
    p_.gpr[kRegCnt0] = p_.gpr[kRegCnt1] = p_.gpr[kRegSig] = 0;
    p_.gpr[kRegKseg0] = kKseg0 + kDataBasePa;
    p_.gpr[kRegXkphys] = kXkphys + kDataBasePa;
    p_.gpr[kRegMapped] = kMapBaseVa;
    p_.hi = interesting_value(r_);
    p_.lo = interesting_value(r_);
    for (uint64_t& f : p_.fpr) f = fp_value(r_);
    uint32_t fcsr = uint32_t(r_.below(4));                                  // RM
    if (r_.percent(10) && !p_.cfg.qemu) fcsr |= fpu::FS;
    fcsr |= uint32_t(r_.below(32)) << fpu::FLAGS_SHIFT;                     // sticky flags
    if (r_.percent(20)) fcsr |= uint32_t(r_.below(32)) << fpu::ENABLES_SHIFT;  // traps
    fcsr |= uint32_t(r_.below(256)) << 24 & 0xfe000000u;                    // cc1..7
    if (r_.percent(50)) fcsr |= fpu::CC0;
    p_.fcsr = fcsr & fpu::FCSR_WRITABLE;
    p_.data.resize(kDataBytes);
    p_.mapped.resize(kMapBytes);
    for (auto* v : {&p_.data, &p_.mapped})
        for (size_t k = 0; k < v->size(); k += 8) {
            uint64_t x = r_.percent(30) ? fp_value(r_) : interesting_value(r_);
            std::memcpy(v->data() + k, &x, 8);
        }
    // Register pools: few registers, so values flow between instructions.
    std::vector<unsigned> free(std::begin(kFreeRegs), std::end(kFreeRegs));
    const size_t n = size_t(r_.percent(70) ? r_.between(4, 10) : r_.between(10, 16));
    for (size_t k = 0; k < n; ++k) {
        size_t at = r_.below(free.size());
        gpool_.push_back(free[at]);
        free.erase(free.begin() + long(at));
    }
    const size_t nf = size_t(r_.between(3, 8));
    for (size_t k = 0; k < nf; ++k) fpool_.push_back(unsigned(r_.percent(70) ? r_.below(16) * 2 : r_.below(32)));
}

// An instruction of `op`, register fields from the pools, every other free
// bit random; the destination is never a reserved register.
uint32_t Generator::table_word(Opcode op, bool fpu) {
    const OpcodeInfo& info = opcode_info(op);
    for (int attempt = 0; attempt < 32; ++attempt) {
        uint32_t w = info.match | (uint32_t(r_.next()) & ~info.mask);
        auto set_field = [&](unsigned shift, unsigned v) { w = (w & ~(31u << shift)) | ((v & 31) << shift); };
        for (unsigned shift : {21u, 16u, 11u})
            if (((info.mask >> shift) & 31) == 0) set_field(shift, fpu ? fpr() : src_gpr());
        if (fpu && ((info.mask >> 6) & 31) == 0) set_field(6, fpr());
        if (decode_opcode(w) != op) continue;
        Insn d = decode_insn(0, w);
        if (d.dst != 32 && reserved(d.dst)) {
            if (info.dest == Dest::RD) set_field(11, dst_gpr());
            else if (info.dest == Dest::RT) set_field(16, dst_gpr());
            else continue;
            if (decode_opcode(w) != op) continue;
            d = decode_insn(0, w);
            if (d.dst != 32 && reserved(d.dst)) continue;
        }
        return w;
    }
    return enc::nop;
}

// EXT/INS and their 64-bit forms with valid fields.
uint32_t Generator::bitfield_word() {
    using namespace enc;
    const unsigned rt = dst_gpr(), rs = src_gpr();
    switch (r_.below(8)) {
        case 0: { unsigned pos = unsigned(r_.below(32)); return ext(rt, rs, pos, unsigned(r_.between(1, 32 - pos))); }
        case 1: { unsigned pos = unsigned(r_.below(32)); return ins(rt, rs, pos, unsigned(r_.between(1, 32 - pos))); }
        case 2: return dext(rt, rs, unsigned(r_.below(32)), unsigned(r_.between(1, 32)));
        case 3: { unsigned pos = unsigned(r_.below(32)); return dextm(rt, rs, pos, unsigned(r_.between(33, 64 - pos))); }
        case 4: { unsigned pos = unsigned(r_.between(32, 63)); return dextu(rt, rs, pos, unsigned(r_.between(1, 64 - pos))); }
        case 5: { unsigned pos = unsigned(r_.below(32)); return dins(rt, rs, pos, unsigned(r_.between(1, 32 - pos))); }
        case 6: { unsigned pos = unsigned(r_.below(32)); return dinsm(rt, rs, pos, unsigned(r_.between(33 - pos, 64 - pos))); }
        default: { unsigned pos = unsigned(r_.between(32, 63)); return dinsu(rt, rs, pos, unsigned(r_.between(1, 64 - pos))); }
    }
}

// One load or store: through kseg0, xkphys, the TLB-mapped pages, the code
// (loads only) or a random register; aligned, or sometimes not.
uint32_t Generator::mem_word(bool allow_code_base, int base_wanted, int64_t off_wanted) {
    // The QEMU subset leaves LL/SC to gen_llsc().
    auto weight = [&](const MemKind& k) {
        const bool llsc = k.major == 0x30 || k.major == 0x34 || k.major == 0x38 || k.major == 0x3c;
        return p_.cfg.qemu && llsc ? 0u : k.weight;
    };
    unsigned total = 0;
    for (const MemKind& k : kMemKinds) total += weight(k);
    unsigned pick = unsigned(r_.below(total));
    const MemKind* mk = &kMemKinds[0];
    for (const MemKind& k : kMemKinds) {
        if (pick < weight(k)) {
            mk = &k;
            break;
        }
        pick -= weight(k);
    }
    unsigned base;
    int64_t off;
    const unsigned b = unsigned(r_.below(100));
    if (b < 30) {
        base = kRegKseg0;
        off = r_.between(-0x800, 0x7ff);
    } else if (b < 48) {
        base = kRegXkphys;
        off = r_.between(-0x800, 0x7ff);
    } else if (b < 85) {
        base = kRegMapped;
        off = r_.percent(6) ? r_.between(-0x8000, 0x7fff) : r_.between(-0x2000, 0x1fff);
    } else if (b < 90 && allow_code_base && !mk->store) {
        base = kRegCode;
        off = r_.between(0, int64_t(kCodeBytes) - 8);
    } else if (!mk->store && !p_.cfg.qemu) {
        // Any register as a base: loads only. Registers often hold code
        // addresses (links, jump targets, EPC), and a store there would
        // rewrite the program at random -- a branch into a delay slot, say,
        // which is UNPREDICTABLE. Wild stores go through gen_wild_mem.
        base = src_gpr();
        off = r_.between(-64, 64);
    } else {
        base = kRegKseg0;
        off = r_.between(-0x800, 0x7ff);
    }
    if (base_wanted >= 0) base = unsigned(base_wanted), off = off_wanted;
    if (!mk->unaligned_ok && r_.percent(92)) off &= ~int64_t(mk->size - 1);
    unsigned rt;
    if (mk->fpu) rt = fpr();
    else if (mk->major == 0x33) rt = unsigned(r_.below(32));  // pref hint
    else if (mk->writes_gpr) rt = dst_gpr();
    else rt = src_gpr();
    return enc::I(mk->major, base, rt, off);
}

// Trapping instructions that raise (or may raise) an exception.
uint32_t Generator::exception_word() {
    using namespace enc;
    if (r_.percent(12) && !p_.cfg.qemu) {
        // Reserved instruction, coprocessor unusable (reserved COP1/COP1X
        // words) or SDBBP/DERET without EJTAG: a random word that decodes
        // to one of them.
        for (int attempt = 0; attempt < 64; ++attempt) {
            uint32_t w = uint32_t(r_.next());
            switch (r_.below(4)) {
                case 0: w = (w & 0x03ffffffu) | (0x11u << 26); break;  // COP1
                case 1: w = (w & 0x03ffffffu) | (0x13u << 26); break;  // COP1X
                case 2: w = (w & 0x03ffffc0u) | 0x7000003fu; break;    // SDBBP
                default: break;
            }
            const Opcode op = decode_opcode(w);
            if (op == Opcode::invalid || op == Opcode::cop1_reserved || op == Opcode::cop1x_reserved ||
                op == Opcode::sdbbp)
                return w;
        }
        return 0x4200001f;  // deret
    }
    switch (r_.below(6)) {
        case 0: return syscall(uint32_t(r_.below(0x100000)));
        case 1: {
            uint32_t code = uint32_t(r_.below(0x100000));
            return break_(code == kExitCode ? 0 : code);
        }
        case 2: {  // teq/tne/tge/tgeu/tlt/tltu, often equal operands
            static const unsigned kFn[] = {0x30, 0x31, 0x32, 0x33, 0x34, 0x36};
            unsigned rs = src_gpr(), rt = r_.percent(40) ? rs : src_gpr();
            return R(0, rs, rt, 0, 0, kFn[r_.below(6)]) | (uint32_t(r_.below(1024)) << 6);
        }
        case 3: {  // teqi/tnei/tgei/...
            static const unsigned kRt[] = {8, 9, 10, 11, 12, 14};
            return I(1, src_gpr(), kRt[r_.below(6)], r_.percent(50) ? 0 : r_.between(-4, 4));
        }
        default: {  // add/sub/addi/dadd/dsub/daddi: overflow traps
            static const Opcode kOps[] = {Opcode::add, Opcode::sub, Opcode::addi, Opcode::dadd, Opcode::dsub, Opcode::daddi};
            return table_word(kOps[r_.below(6)], false);
        }
    }
}

// The registers an instruction reads as 32-bit values: the MIPS64 manual
// makes its result UNPREDICTABLE unless they hold sign-extended words.
std::vector<unsigned> Generator::sext_inputs(uint32_t w) const {
    const unsigned rs = field_rs(w), rt = field_rt(w);
    switch (decode_opcode(w)) {
        case Opcode::add: case Opcode::addu: case Opcode::sub: case Opcode::subu: case Opcode::mult:
        case Opcode::multu: case Opcode::div: case Opcode::divu: case Opcode::madd: case Opcode::maddu:
        case Opcode::msub: case Opcode::msubu: case Opcode::mul: case Opcode::ins:
            return {rs, rt};
        case Opcode::addi: case Opcode::addiu: case Opcode::clz: case Opcode::clo: case Opcode::ext:
            return {rs};
        case Opcode::srl: case Opcode::sra: case Opcode::rotr: case Opcode::srlv: case Opcode::srav:
        case Opcode::rotrv: case Opcode::wsbh:
            return {rt};
        default:
            return {};
    }
}

bool is_madd_family(uint32_t w) {
    const Opcode op = decode_opcode(w);
    return op == Opcode::madd || op == Opcode::maddu || op == Opcode::msub || op == Opcode::msubu;
}

// What the QEMU subset leaves out of the table's rows (QEMU_DIFFERENCES.md,
// README.md "Against QEMU").
bool Generator::qemu_ok(uint32_t w) const {
    // Nothing that names k0/k1 (fields holding FPR numbers too: simpler).
    for (unsigned f : {field_rs(w), field_rt(w), field_rd(w)})
        if (f == kK0 || f == kK1) return false;
    switch (decode_opcode(w)) {
        // FPU: moves between registers only (see README.md for what
        // arithmetic, conversions, compares and FCSR moves gave).
        case Opcode::mfc1: case Opcode::dmfc1: case Opcode::mfhc1: case Opcode::mtc1: case Opcode::dmtc1:
        case Opcode::mthc1: case Opcode::mov_s: case Opcode::mov_d: case Opcode::movz_s: case Opcode::movz_d:
        case Opcode::movn_s: case Opcode::movn_d: case Opcode::movf_s: case Opcode::movf_d: case Opcode::movt_s:
        case Opcode::movt_d: case Opcode::movf: case Opcode::movt:
            return true;
        case Opcode::cop1_reserved: case Opcode::cop1x_reserved: case Opcode::invalid:
            return false;
        // Bit fields from the table's rows have random, often invalid,
        // fields (UNPREDICTABLE; QEMU raises Reserved Instruction):
        // bitfield_word() makes valid ones.
        case Opcode::ext: case Opcode::ins: case Opcode::dext: case Opcode::dextm: case Opcode::dextu:
        case Opcode::dins: case Opcode::dinsm: case Opcode::dinsu:
            return false;
        default: {
            const unsigned major = w >> 26;
            return major != 0x11 && major != 0x13;
        }
    }
}

// Emits `w`, in the QEMU subset after `sll r, r, 0` for each register it
// reads as a 32-bit value (and HI/LO made sign-extended words for the
// MADD family); false (nothing emitted) when such a register is reserved.
bool Generator::emit_sext(uint32_t w) {
    if (!p_.cfg.qemu) {
        emit(w);
        return true;
    }
    std::vector<unsigned> regs;
    for (unsigned r : sext_inputs(w))
        if (r != 0 && std::find(regs.begin(), regs.end(), r) == regs.end()) regs.push_back(r);
    for (unsigned r : regs)
        if (reserved(r)) return false;
    const size_t first = here();
    if (is_madd_family(w)) {
        unsigned t = 0;
        for (unsigned c : gpool_)
            if (std::find(regs.begin(), regs.end(), c) == regs.end()) t = c;
        if (t == 0) return false;
        using namespace enc;
        for (uint32_t x : {R(0, 0, 0, t, 0, 0x10), sll(t, t, 0), R(0, t, 0, 0, 0, 0x11),   // mfhi, mthi
                           R(0, 0, 0, t, 0, 0x12), sll(t, t, 0), R(0, t, 0, 0, 0, 0x13)})  // mflo, mtlo
            emit(x);
    }
    for (unsigned r : regs) emit(enc::sll(r, r, 0));
    emit(w);
    if (here() - first > 1) atomic_since(first);
    return true;
}

// A delay slot holds one instruction: one that needs no preparation.
uint32_t Generator::qemu_slot_safe(uint32_t (Generator::*make)()) {
    for (int attempt = 0; attempt < 16; ++attempt) {
        const uint32_t w = (this->*make)();
        if (is_madd_family(w)) continue;
        const auto regs = sext_inputs(w);
        if (std::all_of(regs.begin(), regs.end(), [](unsigned r) { return r == 0; })) return w;
    }
    return enc::nop;
}

// A 32-bit result (addu, subu, addiu, shifts, mul, seb, lw...) consumed by
// 64-bit operations (daddu, dsll, dsrl32, slt, and, dmult, movz, sd, beq,
// dext...), and sometimes by another 32-bit one: the translator keeps
// 32-bit results unextended until something reads all 64 bits.
void Generator::gen_chain32() {
    using namespace enc;
    const size_t first = here();
    const unsigned rd = gpool_[r_.below(gpool_.size())];
    const unsigned a = src_gpr(), b = src_gpr();
    uint32_t w;
    switch (r_.below(13)) {
        case 0: w = R(0, a, b, rd, 0, 0x21); break;                      // addu
        case 1: w = R(0, a, b, rd, 0, 0x23); break;                      // subu
        case 2: w = addiu(rd, a, r_.between(-0x8000, 0x7fff)); break;
        case 3: w = sll(rd, b, unsigned(r_.below(32))); break;
        case 4: w = R(0, 0, b, rd, unsigned(r_.below(32)), 0x02); break;  // srl
        case 5: w = R(0, 0, b, rd, unsigned(r_.below(32)), 0x03); break;  // sra
        case 6: w = R(0, a, b, rd, 0, 0x04); break;                      // sllv
        case 7: w = R(0, a, b, rd, 0, 0x06); break;                      // srlv
        case 8: w = R(0x1c, a, b, rd, 0, 0x02); break;                   // mul
        case 9: w = R(0, 1, b, rd, unsigned(r_.below(32)), 0x02); break;  // rotr
        case 10: w = R(0x1f, 0, b, rd, r_.percent(50) ? 0x10 : 0x18, 0x20); break;  // seb / seh
        case 11: w = R(0, a, b, rd, 0, 0x07); break;                     // srav
        default: w = lw(rd, r_.between(-0x200, 0x1ff) * 4, kRegKseg0); break;
    }
    if (!emit_sext(w)) return;
    bool rd_word = true;  // rd still holds the sign-extended word
    const int64_t n = r_.between(1, 4);
    for (int64_t k = 0; k < n; ++k) {
        unsigned x = src_gpr(), d = r_.percent(45) ? rd : dst_gpr();
        const bool swap = r_.percent(30);
        const unsigned p = swap ? x : rd, q = swap ? rd : x;
        bool word_result = false;
        switch (r_.below(18)) {
            case 0: emit(daddu(d, p, q)); break;
            case 1: emit(R(0, p, q, d, 0, 0x2f)); break;  // dsubu
            case 2: emit(daddiu(d, rd, r_.between(-0x8000, 0x7fff))); break;
            case 3: {  // dsll dsrl dsra dsll32
                static const unsigned kFn[] = {0x38, 0x3a, 0x3b, 0x3c};
                emit(R(0, 0, rd, d, unsigned(r_.below(32)), kFn[r_.below(4)]));
                break;
            }
            case 4: emit(R(0, 0, rd, d, unsigned(r_.below(32)), r_.percent(50) ? 0x3e : 0x3f)); break;  // dsrl32 / dsra32
            case 5: emit(R(0, p, q, d, 0, r_.percent(50) ? 0x2a : 0x2b)); word_result = true; break;  // slt / sltu
            case 6: emit(I(r_.percent(50) ? 0x0a : 0x0b, rd, d, r_.between(-0x8000, 0x7fff))); word_result = true; break;  // slti / sltiu
            case 7: emit(R(0, p, q, d, 0, 0x24 + unsigned(r_.below(4)))); break;  // and or xor nor
            case 8: emit(R(0, p, q, 0, 0, r_.percent(50) ? 0x1c : 0x1d)); break;  // dmult / dmultu
            case 9: emit(R(0, p, q, d, 0, r_.percent(50) ? 0x0a : 0x0b)); break;  // movz / movn
            case 10: emit(sd(rd, r_.between(-0x100, 0xff) * 8, r_.percent(50) ? kRegKseg0 : kRegXkphys)); d = 0; break;
            case 11: case 12: {  // beq / bne / beql / bnel on the 64-bit values
                static const unsigned kOps[] = {0x04, 0x05, 0x14, 0x15};
                const size_t at = here();
                emit(I(kOps[r_.below(4)], rd, x == rd ? 0 : x, 0));
                forward(at, FixKind::BRANCH, size_t(r_.between(1, 16)));
                emit(slot_word());  // may write rd
                d = 0;
                rd_word = false;
                break;
            }
            case 13: emit(dext(d, rd, unsigned(r_.below(32)), unsigned(r_.between(1, 32)))); break;
            case 14: emit(R(0, q, p, d, 0, 0x14 + 2 * unsigned(r_.below(2)))); break;  // dsllv / dsrlv
            case 15: emit(I(0x3f, kRegMapped, rd, r_.between(-0x100, 0xff) * 8)); d = 0; break;  // sd through the TLB
            default:  // another 32-bit operation, on the word itself
                if (!rd_word) { emit(daddu(d, rd, 0)); break; }
                emit(r_.percent(50) ? R(0, rd, rd, d, 0, 0x21) : sll(d, rd, unsigned(r_.below(32))));
                word_result = true;
                break;
        }
        if (d == rd && !word_result) rd_word = false;
    }
    if (p_.cfg.qemu) atomic_since(first);
}

// What a delay slot may hold: any single instruction that is not a branch.
uint32_t Generator::slot_word() {
    const unsigned x = unsigned(r_.below(100));
    if (p_.cfg.qemu) {
        // Nothing that needs a preparing instruction, no clock.
        if (x < 4) return signature_word();
        if (x < 45) return qemu_slot_safe(&Generator::alu_word);
        if (x < 70) return mem_word(true);
        if (x < 80) return qemu_slot_safe(&Generator::fpu_word);
        if (x < 87) return qemu_slot_safe(&Generator::exception_word);
        if (x < 92) return qemu_slot_safe(&Generator::bitfield_word);
        return enc::nop;
    }
    if (x < 4) return signature_word();
    if (x < 42) return alu_word();
    if (x < 67) return mem_word(true);
    if (x < 77) return fpu_word();
    if (x < 84) return exception_word();
    if (x < 88) return bitfield_word();
    if (x < 90) return enc::mfc0(dst_gpr(), cp0::COUNT);  // reads the clock in a slot
    return enc::nop;
}

void Generator::forward(size_t at, FixKind kind, size_t span) {
    fixups_.push_back({at, at + 1, at + 1 + span, kind});
}

void Generator::gen_branch() {
    using namespace enc;
    // op, rt field (REGIMM) or -1; likely
    struct B {
        unsigned op;
        int rt;
        bool two_regs;
    };
    static const B kBranches[] = {
        {0x04, -1, true},  {0x05, -1, true},  {0x06, 0, false},  {0x07, 0, false},  // beq bne blez bgtz
        {0x14, -1, true},  {0x15, -1, true},  {0x16, 0, false},  {0x17, 0, false},  // beql bnel blezl bgtzl
        {0x01, 0, false},  {0x01, 1, false},  {0x01, 2, false},  {0x01, 3, false},  // bltz bgez bltzl bgezl
        {0x01, 16, false}, {0x01, 17, false}, {0x01, 18, false}, {0x01, 19, false},  // bltzal bgezal bltzall bgezall
    };
    const B& b = kBranches[r_.below(std::size(kBranches))];
    unsigned rs = src_gpr(), rt;
    if (b.two_regs) {
        const unsigned x = unsigned(r_.below(100));
        rt = x < 30 ? rs : x < 50 ? 0 : src_gpr();
    } else {
        rt = unsigned(b.rt);
    }
    if (p_.cfg.qemu) {
        // QEMU translates branches that can never be taken (bne rs,rs,
        // bltz/bgtz $0, ...) as NOPs without a delay slot
        // (QEMU_DIFFERENCES.md): a register from the pool instead.
        if (rs == 0) rs = gpool_[r_.below(gpool_.size())];
        if (b.two_regs && rt == rs && (b.op == 0x05 || b.op == 0x15)) rt = 0;
    }
    const size_t at = here();
    emit(I(b.op, rs, rt, 0));
    forward(at, FixKind::BRANCH, size_t(r_.between(1, 24)));
    emit(slot_word());
}

void Generator::gen_fpu_branch() {
    const size_t at = here();
    emit(enc::bc1(unsigned(r_.below(8)), r_.percent(35), r_.percent(50), 0));
    forward(at, FixKind::BRANCH, size_t(r_.between(1, 20)));
    emit(slot_word());
}

void Generator::gen_jump() {
    using namespace enc;
    const unsigned kind = unsigned(r_.below(100));
    if (kind < 35) {  // j / jal
        const size_t at = here();
        emit(r_.percent(50) ? j_to(0) : jal_to(0));
        forward(at, FixKind::JUMP_ABS, size_t(r_.between(1, 30)));
        emit(slot_word());
        return;
    }
    // jr / jalr (and the .hb forms) through a register set just before.
    const unsigned rt = gpool_[r_.below(gpool_.size())];
    const size_t setup = here();
    if (kind < 80) {
        emit(daddiu(rt, kRegCode, 0));
        forward(setup, FixKind::JR_SETUP, size_t(r_.between(2, 30)));
        fixups_.back().lo = setup + 2;
    } else if (kind < 95) {
        // The same code through another unmapped alias (kseg0, kseg1,
        // xkphys): other blocks for the same physical words.
        switch (r_.below(3)) {
            case 0: emit(lui(rt, uint32_t((kKseg0 + kCodePa) >> 16) & 0xffff)); break;
            case 1: emit(lui(rt, uint32_t((kKseg1 + kCodePa) >> 16) & 0xffff)); break;
            default:
                emit(lui(rt, uint32_t(kXkphys >> 48)));
                emit(dsll(rt, rt, 16));
                emit(ori(rt, rt, uint32_t(kCodePa >> 16)));
                emit(dsll(rt, rt, 16));
                break;
        }
        const size_t add = here();
        emit(daddiu(rt, rt, 0));
        forward(add, FixKind::JR_SETUP, size_t(r_.between(2, 30)));
        fixups_.back().lo = add + 2;
        atomic_since(setup);
    } else if (kind < 97) {  // misaligned target: address error on fetch
        emit(daddiu(rt, kRegCode, int64_t(p_.cfg.start_off + 4 * (setup + 3)) + r_.between(1, 3)));
    } else {  // a target nothing maps: TLB refill or address error on fetch
        emit(daddiu(rt, kRegMapped, 0x4000));
    }
    protected_.insert(setup);
    no_land_.insert(here());
    protected_.insert(here());
    const bool hb = r_.percent(15);
    if (r_.percent(50)) {
        emit(jr(rt, hb));
    } else {
        unsigned rd = r_.percent(50) ? 31 : dst_gpr();
        if (rd == rt) rd = 31;
        emit(jalr(rd == rt ? 0 : rd, rt, hb));
    }
    emit(slot_word());
}

// A constant into a pool register.
void Generator::gen_li() {
    using namespace enc;
    const unsigned rt = dst_gpr();
    const uint64_t v = interesting_value(r_);
    switch (r_.below(3)) {
        case 0: emit(lui(rt, uint32_t(v >> 16) & 0xffff)); emit(ori(rt, rt, uint32_t(v) & 0xffff)); break;
        case 1: emit(daddiu(rt, 0, int64_t(int16_t(v)))); break;
        default: emit(lui(rt, uint32_t(v >> 16) & 0xffff)); emit(dsll32(rt, rt, unsigned(r_.below(32)))); emit(ori(rt, rt, uint32_t(v) & 0xffff)); break;
    }
}

void Generator::gen_llsc() {
    using namespace enc;
    const bool dbl = r_.percent(40);
    unsigned base = r_.percent(60) ? kRegKseg0 : r_.percent(50) ? kRegMapped : kRegXkphys;
    const size_t first = here();
    if (p_.cfg.qemu) {
        // QEMU's SC fails without an exception when its LL did not succeed
        // at that address (QEMU_DIFFERENCES.md): the subset keeps LL/SC to
        // addresses that never fault, kernel mode through kseg0/xkphys.
        if (p_.cfg.user) {
            emit_sext(alu_word());
            return;
        }
        if (base == kRegMapped) base = kRegKseg0;
    }
    int64_t off = (base == kRegMapped ? r_.between(-0x2000, 0x1fff) : r_.between(-0x800, 0x7ff)) & ~int64_t(dbl ? 7 : 3);
    // QEMU subset: aligned, the same address, no store in between (QEMU's
    // SC compares the address and the loaded value, not an LLbit).
    const bool q = p_.cfg.qemu;
    if (r_.percent(5) && !q) off |= 2;
    emit(I(dbl ? 0x34 : 0x30, base, dst_gpr(), off));
    const int64_t n = r_.between(0, 3);
    for (int64_t k = 0; k < n; ++k) {
        if (q) emit(qemu_slot_safe(&Generator::alu_word));
        else emit(r_.percent(20) ? mem_word(false) : alu_word());
    }
    if (r_.percent(15) && !q) off = (off + 8 * r_.between(1, 3)) & 0x7fff;
    emit(I(dbl ? 0x3c : 0x38, base, dst_gpr(), off));
    // An SC reached without its LL (a branch landing between) is
    // UNPREDICTABLE: QEMU's succeeds again after a successful one.
    if (q) atomic_since(first);
}

void Generator::gen_indexed_fpu_mem() {
    using namespace enc;
    static const unsigned kFn[] = {0x00, 0x01, 0x05, 0x08, 0x09, 0x0d};  // lwxc1 ldxc1 luxc1 swxc1 sdxc1 suxc1
    const unsigned fn = kFn[r_.below(6)];
    const unsigned base = r_.percent(50) ? kRegKseg0 : r_.percent(50) ? kRegMapped : kRegXkphys;
    const unsigned index = r_.percent(20) ? 0 : dst_gpr();
    if (index) emit(daddiu(index, 0, (base == kRegMapped ? r_.between(-0x2000, 0x1fff) : r_.between(-0x800, 0x7ff)) & (r_.percent(90) ? ~7 : ~0)));
    const unsigned f = fpr();
    const size_t first = here();
    emit(fn < 8 ? R(0x13, base, index, 0, f, fn) : R(0x13, base, index, f, 0, fn));
    if (index) atomic_since(first - 1);  // never reached with some other index
}

// A load or store at an address made up here: any segment, often one that
// faults (address error, TLB refill, bus error), never the program's code.
void Generator::gen_wild_mem() {
    using namespace enc;
    const MemKind& mk = kMemKinds[r_.below(std::size(kMemKinds))];
    uint64_t va = 0;
    for (int attempt = 0; attempt < 16; ++attempt) {
        switch (r_.below(6)) {
            case 0: va = interesting_value(r_); break;
            case 1: va = kXkphys + r_.below(1ull << 36); break;                        // any physical address
            case 2: va = 0x8000000000000000ull + r_.below(0x100000); break;           // xkphys, uncached, low
            case 3: va = kKseg1 + 0x1fe00000 + r_.below(0x3000); break;              // the devices
            case 4: va = (r_.below(4) << 62) | (r_.next() & 0x000000ffffffffffull); break;  // xuseg/xsseg/xkphys/xkseg
            default: va = kKseg0 + r_.below(0x100000); break;                         // low RAM
        }
        va &= ~uint64_t(7);
        // Keep clear of the program, its vectors and handler (through any
        // unmapped alias); the devices are read, never written.
        const auto pa = unmapped_segment_pa(va);
        const bool code = pa && ((*pa >= kCodePa - 0x100 && *pa < kTwinPa + kCodeBytes + 0x100) ||
                                 (*pa >= kEbasePa - 0x100 && *pa < kExitPa + 0x1100));
        const bool device = pa && *pa >= 0x1fe00000 && *pa < 0x1fe03000;
        if (!code && !(device && mk.store)) break;
        va = kMapVa + 0x8000;  // unmapped useg page: a TLB refill
    }
    const unsigned rt = gpool_[r_.below(gpool_.size())];
    const size_t first = here();
    emit(lui(rt, uint32_t(va >> 48) & 0xffff));
    emit(ori(rt, rt, uint32_t(va >> 32) & 0xffff));
    emit(dsll(rt, rt, 16));
    emit(ori(rt, rt, uint32_t(va >> 16) & 0xffff));
    emit(dsll(rt, rt, 16));
    emit(ori(rt, rt, uint32_t(va) & 0xffff));
    unsigned reg = mk.fpu ? fpr() : mk.writes_gpr ? dst_gpr() : src_gpr();
    if (reg == rt && mk.writes_gpr) reg = 0;
    emit(I(mk.major, rt, reg, mk.unaligned_ok ? r_.between(-8, 8) : 0));
    atomic_since(first);
}

void Generator::gen_cp0() {
    using namespace enc;
    const unsigned rt = dst_gpr();
    const size_t first = here();
    unsigned pick = unsigned(r_.below(22));
    if (pick >= 14) pick = pick < 17 ? 4 : pick < 19 ? 5 : 14;  // interrupts raised and enabled from the body, often
    switch (pick) {
        case 14: {
            // An interrupt requested with interrupts off on every other
            // iteration of the enclosing loop, then enabled: translated code
            // must notice it when it continues into the next block.
            const unsigned counter = loops_.empty() ? kRegCnt1 : loops_.back().counter;
            if (rt == 0) break;
            emit(di(0));
            emit(sll(rt, counter, 8 + unsigned(r_.below(2))));
            emit(andi(rt, rt, 0x100 << r_.below(2)));
            emit(mtc0(rt, cp0::CAUSE));
            emit(ei(0));
            break;
        }
        case 0: emit(mfc0(rt, cp0::COUNT)); break;   // clock, at the instruction's own time
        case 1: emit(mfc0(rt, cp0::RANDOM)); break;
        case 2: {
            static const unsigned kHwr[] = {0, 1, 2, 2, 3, 29, 4, 30};
            emit(rdhwr(rt, kHwr[r_.below(std::size(kHwr))]));
            break;
        }
        case 3: {  // plain reads
            static const std::pair<unsigned, unsigned> kRegs[] = {
                {cp0::STATUS, 0}, {cp0::CAUSE, 0}, {cp0::EPC, 0}, {cp0::BADVADDR, 0}, {cp0::ENTRYHI, 0},
                {cp0::CONTEXT, 0}, {cp0::XCONTEXT, 0}, {cp0::COMPARE, 0}, {cp0::INDEX, 0}, {cp0::WIRED, 0},
                {cp0::PRID, 0}, {cp0::PRID, 1}, {cp0::CONFIG, 0}, {cp0::CONFIG, 1}, {cp0::LLADDR, 0},
                {cp0::ENTRYLO0, 0}, {cp0::ENTRYLO1, 0}, {cp0::PAGEMASK, 0}, {cp0::STATUS, 1}, {cp0::DESAVE, 2}};
            auto [reg, sel] = kRegs[r_.below(std::size(kRegs))];
            emit(r_.percent(50) ? mfc0(rt, reg, sel) : dmfc0(rt, reg, sel));
            break;
        }
        case 4: {  // a software interrupt (taken at once when enabled)
            emit(ori(rt, 0, r_.percent(50) ? 0x100 : 0x300));
            emit(mtc0(rt, cp0::CAUSE));
            break;
        }
        case 5: emit(r_.percent(50) ? di(rt) : ei(rt)); break;
        case 6: {  // toggle Status bits
            static const uint32_t kBits[] = {cp0::status::IE, 1u << 8, 1u << 9, 1u << 15, cp0::status::FR, cp0::status::FR,
                                             cp0::status::UX, cp0::status::SX, cp0::status::CU1, 2u << cp0::status::KSU_SHIFT};
            uint32_t bits = kBits[r_.below(std::size(kBits))];
            if (r_.percent(30)) bits |= kBits[r_.below(std::size(kBits))];
            unsigned ru = gpool_[r_.below(gpool_.size())];
            if (ru == rt) ru = rt == 1 ? 2 : 1;  // never the same register (nor $0: pools hold none)
            if (rt == 0) break;
            emit(mfc0(rt, cp0::STATUS));
            emit(lui(ru, bits >> 16));
            emit(ori(ru, ru, bits & 0xffff));
            emit(xor_(rt, rt, ru));
            emit(mtc0(rt, cp0::STATUS));
            break;
        }
        case 7: {  // Compare a little ahead of Count
            emit(mfc0(rt, cp0::COUNT));
            emit(addiu(rt, rt, r_.between(1, 200)));
            emit(mtc0(rt, cp0::COMPARE));
            break;
        }
        case 8: emit(mtc0(src_gpr(), cp0::COUNT)); break;
        case 9: emit(r_.percent(60) ? wait : tlbp); break;
        case 10: {
            emit(ori(rt, 0, unsigned(r_.below(4))));
            emit(mtc0(rt, cp0::INDEX));
            emit(tlbr);
            break;
        }
        case 11: {  // harmless writable registers
            static const std::pair<unsigned, unsigned> kRegs[] = {
                {cp0::CONTEXT, 2}, {cp0::DESAVE, 2}, {cp0::DESAVE, 3}, {cp0::CONTEXT, 0}, {cp0::XCONTEXT, 0},
                {cp0::ERROREPC, 0}, {cp0::DESAVE, 0}, {cp0::TAGLO, 0}, {cp0::HWRENA, 0}, {cp0::STATUS, 1}};
            auto [reg, sel] = kRegs[r_.below(std::size(kRegs))];
            const unsigned rs = src_gpr();
            emit(r_.percent(50) ? mtc0(rs, reg, sel) : dmtc0(rs, reg, sel));
            if (r_.percent(50)) emit(dmfc0(rt, reg, sel));
            break;
        }
        case 12: {  // a different ASID for a while
            emit(ori(rt, 0, r_.percent(50) ? p_.cfg.asid : unsigned(r_.below(256))));
            emit(dmtc0(rt, cp0::ENTRYHI));
            break;
        }
        default:
            switch (r_.below(4)) {
                case 0: emit(rdpgpr(rt, src_gpr())); break;
                case 1: emit(wrpgpr(rt, src_gpr())); break;
                case 2: emit(I(0x01, kRegKseg0, 0x1f, r_.between(-0x800, 0x7ff))); break;  // synci: ends its block
                default: emit(I(0x2f, kRegKseg0, unsigned(r_.below(32)), r_.between(-0x800, 0x7ff))); break;  // cache
            }
            break;
    }
    atomic_since(first);
}

// Rewrites TLB entry 0 or 1 (the data pages) with new PFN/V/D/G bits, or
// writes a random entry (TLBWR) with them. Sometimes the write is followed
// by ERET, as Linux's TLB handlers end (the patched modes then do both in
// one hypercall), returning to the next instruction: EPC is set first.
void Generator::gen_tlb_remap() {
    using namespace enc;
    const unsigned rt = dst_gpr();
    const unsigned e = unsigned(r_.below(2));
    const size_t first = here();
    const bool then_eret = r_.percent(30);
    if (then_eret) {
        emit(nop);  // (the EPC's address, once the ERET's place is known)
        emit(dmtc0(rt, cp0::EPC));
    }
    auto lo = [&] {
        const uint64_t pa = kMapPa + 0x1000 * r_.below(3);
        return uint32_t(entrylo(pa, r_.percent(70), r_.percent(80), r_.percent(50)));
    };
    emit(ori(rt, 0, e));
    emit(mtc0(rt, cp0::INDEX));
    emit(lui(rt, uint32_t(kMapVa >> 16)));
    emit(ori(rt, rt, uint32_t(e * 0x2000) | p_.cfg.asid));
    emit(dmtc0(rt, cp0::ENTRYHI));
    // Sometimes with bits above the write mask (30-63), which a read of
    // EntryLo and the TLB drop (a patched DMTC0 stores them: cp0_read_mask).
    auto load_lo = [&] {
        if (!p_.cfg.qemu && r_.percent(25)) {
            emit(lui(rt, 0x4000u * unsigned(1 + r_.below(3))));
            emit(ori(rt, rt, lo()));
        } else {
            emit(ori(rt, 0, lo()));
        }
    };
    load_lo();
    emit(dmtc0(rt, cp0::ENTRYLO0));
    load_lo();
    emit(dmtc0(rt, cp0::ENTRYLO1));
    emit(r_.percent(75) ? tlbwi : tlbwr);
    if (then_eret) {
        emit(eret);
        body()[first] = daddiu(rt, kRegCode, int64_t(p_.cfg.start_off + 4 * here()));
    } else if (!p_.cfg.qemu && r_.percent(30)) {
        const unsigned reg = r_.percent(50) ? cp0::ENTRYLO0 : cp0::ENTRYLO1;
        emit(r_.percent(50) ? dmfc0(rt, reg) : mfc0(rt, reg));
    }
    atomic_since(first);
}

// Points TLB entry 2 (the body's code, VA 0x10000) at the body or at its
// twin: the next instruction is fetched from the other copy.
void Generator::gen_code_remap() {
    using namespace enc;
    const unsigned rt = dst_gpr();
    if (rt == 0) return;
    const size_t first = here();
    emit(ori(rt, 0, 2));
    emit(mtc0(rt, cp0::INDEX));
    if (r_.percent(60)) {
        // Toggle: read the entry back and flip body <-> twin, so that a loop
        // around this runs the two copies in turn.
        // One page of the pair or both: a block in a page that keeps its
        // backing may continue into one that changed.
        constexpr uint32_t kFlip = uint32_t(((kTwinPa ^ kCodePa) >> 12) << 6);
        const unsigned which = unsigned(r_.below(3));
        emit(tlbr);
        if (which != 1) {
            emit(dmfc0(rt, cp0::ENTRYLO0));
            emit(xori(rt, rt, kFlip));
            emit(dmtc0(rt, cp0::ENTRYLO0));
        }
        if (which != 0) {
            emit(dmfc0(rt, cp0::ENTRYLO1));
            emit(xori(rt, rt, kFlip));
            emit(dmtc0(rt, cp0::ENTRYLO1));
        }
    } else {
        const uint64_t even = r_.percent(50) ? kTwinPa : kCodePa, odd = r_.percent(50) ? kTwinPa : kCodePa;
        const bool g = p_.cfg.global[2];
        emit(lui(rt, uint32_t(kCodePa >> 16)));
        emit(ori(rt, rt, p_.cfg.asid));
        emit(dmtc0(rt, cp0::ENTRYHI));
        emit(ori(rt, 0, uint32_t(entrylo(even, true, true, g))));
        emit(dmtc0(rt, cp0::ENTRYLO0));
        emit(ori(rt, 0, uint32_t(entrylo(odd + 0x1000, true, true, g))));
        emit(dmtc0(rt, cp0::ENTRYLO1));
    }
    emit(tlbwi);
    atomic_since(first);
}

// The twin: the same program with other straight-line instructions in
// places nothing protects (never branches, which keeps every path finite).
void Generator::make_twin() {
    p_.twin = p_.body;
    for (size_t k = 0; k + 1 < p_.twin.size(); ++k) {
        const uint32_t w = p_.twin[k];
        if (protected_.count(k) || (opcode_info(decode_opcode(w)).flags & insn_flag::BRANCH)) continue;
        if (!r_.percent(35)) continue;
        const unsigned x = unsigned(r_.below(100));
        p_.twin[k] = x < 45 ? signature_word() : x < 90 ? alu_word() : fpu_word();
    }
}

// Self-modifying code: stores a new instruction over one of the body's
// (chosen when the body is complete), through the code's own segment.
void Generator::gen_smc() {
    using namespace enc;
    const unsigned rt = dst_gpr();
    const uint32_t w = r_.percent(80) ? alu_word() : r_.percent(50) ? fpu_word() : nop;
    const size_t first = here();
    emit(lui(rt, w >> 16));
    emit(ori(rt, rt, w & 0xffff));
    smc_.emplace_back(here(), w);
    emit(sw(rt, 0, kRegCode));
    atomic_since(first);
}

// A bounded loop: counter = K; top: ...; counter -= 1; branch back while > 0.
void Generator::begin_loop() {
    unsigned counter = kRegCnt1;
    for (const Loop& l : loops_)
        if (l.counter == kRegCnt1) counter = kRegCnt0;
    protected_.insert(here());
    emit(enc::ori(counter, 0, unsigned(r_.between(1, 6))));
    const size_t top = here();
    loops_.push_back({counter, top, top + size_t(r_.between(3, 40))});
    ++loops_made_;
}

void Generator::close_loop() {
    using namespace enc;
    const Loop l = loops_.back();
    loops_.pop_back();
    protected_.insert(here());
    emit(addiu(l.counter, l.counter, -1));
    // Back while counter > 0 (never != 0: entered from the side with the
    // counter at 0, the loop must still end). Only the decrement may be
    // landed on by a forward branch.
    const unsigned kind = unsigned(r_.below(7));
    if (kind == 6) {
        // Out while counter <= 0, else back through `b`: an unconditional
        // jump backwards, which the block builder follows.
        // The QEMU subset runs with no instruction cap: an exception in
        // the exit test's slot resumes after it, at the `b`, every time
        // round, so that slot must not raise one.
        const uint32_t exit_slot = p_.cfg.qemu ? signature_word() : slot_word();
        for (uint32_t w : {I(0x06, l.counter, 0, 3), exit_slot, beq(0, 0, int64_t(l.top) - int64_t(here() + 3)), slot_word()}) {
            protected_.insert(here());
            no_land_.insert(here());
            emit(w);
        }
        return;
    }
    const unsigned t = gpool_[r_.below(gpool_.size())];
    if (kind >= 2) {
        protected_.insert(here());
        no_land_.insert(here());
        if (kind < 4) emit(enc::I(0x0a, l.counter, t, 1));  // slti t, counter, 1
        else emit(R(0, 0, l.counter, t, 0, 0x2a));          // slt t, $0, counter
    }
    const int64_t off = int64_t(l.top) - int64_t(here() + 1);
    protected_.insert(here());
    no_land_.insert(here());
    switch (kind) {
        case 0: emit(I(0x07, l.counter, 0, off)); break;  // bgtz
        case 1: emit(I(0x17, l.counter, 0, off)); break;  // bgtzl
        case 2: emit(beq(t, 0, off)); break;
        case 3: emit(I(0x14, t, 0, off)); break;  // beql
        case 4: emit(bne(t, 0, off)); break;
        default: emit(I(0x15, t, 0, off)); break;  // bnel
    }
    emit(slot_word());
}

// A pointer stepping through data, as copies and page clears walk: the base
// moves, several accesses off it at small displacements follow (translated
// code keeps one probe's host address for them: Translator::plan_memo),
// and it moves back.
void Generator::gen_pointer_walk() {
    const unsigned base = r_.percent(50) ? kRegKseg0 : kRegMapped;
    const int64_t step = r_.between(-16, 16) * 8;
    emit(enc::daddiu(base, base, step));
    for (unsigned n = 2 + unsigned(r_.below(6)); n > 0; --n) emit(mem_word(false, int(base), r_.between(-0x48, 0x48)));
    emit(enc::daddiu(base, base, -step));
}

void Generator::gen_item() {
    const unsigned x = unsigned(r_.below(1000));
    if (p_.cfg.qemu) {
        const bool branchy = !p_.cfg.straight;
        if (x < 20) emit(signature_word());
        else if (x < 250) emit_sext(alu_word());
        else if (x < 350) gen_chain32();
        else if (x < 390) emit_sext(bitfield_word());
        else if (x < 420) gen_li();
        else if (x < 570) emit(mem_word(true));
        else if (x < 585) gen_llsc();
        else if (x < 595) gen_indexed_fpu_mem();
        else if (x < 690 && branchy) gen_branch();
        else if (x < 720 && branchy) gen_jump();
        else if (x < 820) emit_sext(fpu_word());
        else if (x < 845 && branchy) gen_fpu_branch();
        else if (x < 890) emit_sext(exception_word());
        else if (x < 930 && loops_.size() < 2 && loops_made_ < 4) begin_loop();
        else if (x < 945) gen_pointer_walk();
        else emit_sext(alu_word());
        return;
    }
    if (p_.cfg.twin && r_.below(1000) < 25) {
        gen_code_remap();  // programs with a twin switch between the two often
        return;
    }
    if (p_.cfg.straight && ((x >= 590 && x < 720) || (x >= 820 && x < 845))) {
        emit(alu_word());  // no branches or jumps in this program
        return;
    }
    if (x < 20) emit(signature_word());
    else if (x < 240) emit(alu_word());
    else if (x < 300) gen_chain32();
    else if (x < 340) emit(bitfield_word());
    else if (x < 380) gen_li();
    else if (x < 560) emit(mem_word(true));
    else if (x < 580) gen_llsc();
    else if (x < 585) gen_indexed_fpu_mem();
    else if (x < 590) gen_wild_mem();
    else if (x < 690) gen_branch();
    else if (x < 720) gen_jump();
    else if (x < 820) emit(fpu_word());
    else if (x < 845) gen_fpu_branch();
    else if (x < 880) emit(exception_word());
    else if ((x < 910 || (p_.cfg.twin && x < 930)) && loops_.size() < 2 && loops_made_ < 4) begin_loop();
    else if (x < 955) gen_cp0();
    else if (x < 965) gen_tlb_remap();
    else if (x < 975) gen_smc();
    else if (x < 990) gen_pointer_walk();
    else emit(alu_word());
}

// Picks every forward target now that the body is complete; nothing ever
// lands on a jr/jalr (its register is set only by the instruction before).
void Generator::resolve() {
    size_t end = here();  // the exit break goes here, or later
    for (const Fixup& f : fixups_) end = std::max(end, f.hi + 1);
    while (here() < end) emit(enc::nop);
    const size_t exit_at = here();
    emit(kExitWord);
    auto pick = [&](size_t lo, size_t hi) {
        for (int attempt = 0; attempt < 8; ++attempt) {
            size_t t = lo + size_t(r_.below(hi - lo + 1));
            if (!no_land_.count(t)) return t;
        }
        return exit_at;
    };
    const uint64_t base = body_va(p_.cfg);
    for (const Fixup& f : fixups_) {
        const size_t t = pick(f.lo, std::min(f.hi, exit_at));
        uint32_t& w = body()[f.at];
        switch (f.kind) {
            case FixKind::BRANCH: w = (w & 0xffff0000u) | (uint32_t(int64_t(t) - int64_t(f.at + 1)) & 0xffff); break;
            case FixKind::JUMP_ABS: w = (w & 0xfc000000u) | uint32_t(((base + 4 * t) >> 2) & 0x03ffffff); break;
            case FixKind::JR_SETUP:
                w = (w & 0xffff0000u) | (uint32_t(p_.cfg.start_off + 4 * t) & 0xffff);
                break;
        }
    }
    // Self-modifying stores: any instruction but loop control, jump setups
    // and the exit.
    std::vector<size_t> ok;
    for (size_t k = 0; k < exit_at; ++k)
        if (!protected_.count(k)) ok.push_back(k);
    for (auto [at, word] : smc_) {
        (void)word;
        const size_t t = ok.empty() ? exit_at + 1 : ok[r_.below(ok.size())];
        body()[at] = (body()[at] & 0xffff0000u) | (uint32_t(p_.cfg.start_off + 4 * t) & 0xffff);
    }
}

void Generator::generate() {
    init_config();
    init_state();
    const size_t target = size_t(r_.percent(20) ? r_.between(4, 30) : r_.between(30, 300));
    if (p_.cfg.twin && r_.percent(60)) {
        // A loop across the page boundary that remaps one page of the pair
        // each time round: blocks continue from the page that keeps its
        // backing into the page that changed.
        const size_t boundary = (0x1000 - p_.cfg.start_off) / 4;
        begin_loop();
        loops_.back().end = ~size_t(0);
        const size_t remap_at = size_t(r_.below(std::max<size_t>(boundary, 1)));
        const size_t end = boundary + size_t(r_.between(2, 12));
        bool remapped = false;
        while (here() < end) {
            if (!remapped && here() >= remap_at) {
                gen_code_remap();
                remapped = true;
                continue;
            }
            emit(r_.percent(80) ? alu_word() : mem_word(true));
        }
        close_loop();
    }
    while (here() < target) {
        while (!loops_.empty() && here() >= loops_.back().end) close_loop();
        gen_item();
    }
    while (!loops_.empty()) close_loop();
    resolve();
    if (p_.cfg.twin) make_twin();
    if (body().size() > kMaxBodyWords || p_.cfg.start_off + 4 * body().size() > kCodeBytes)
        throw std::logic_error("engine_fuzz: the body does not fit in the code region");
    // When to compare: one run to the end, slices of random length, or
    // single steps for a while.
    constexpr uint64_t kRest = 0;  // the driver replaces 0 with the instruction cap
    const unsigned s = unsigned(r_.below(100));
    if (s < 40) {
        p_.schedule = {kRest};
    } else if (s < 75) {
        uint64_t sum = 0;
        while (sum < 3000) {
            uint64_t n = uint64_t(r_.percent(30) ? r_.between(1, 5) : r_.between(1, 120));
            p_.schedule.push_back(n);
            sum += n;
        }
        p_.schedule.push_back(kRest);
    } else {
        const size_t steps = size_t(r_.between(20, 400));
        p_.schedule.assign(steps, 1);
        p_.schedule.push_back(kRest);
    }
}

Program generate_program(uint64_t seed, uint64_t k, bool qemu = false) {
    Program p;
    p.cfg.qemu = qemu;
    Rng rng(case_seed(seed, k));
    Generator(rng, p).generate();
    return p;
}

// ============================================================================
// QEMU-comparable ELF files (--write-elf): K cases of the QEMU subset in
// one bare-metal program that runs unchanged on `qemu-system-mips64el -M
// malta -cpu MIPS64R2-generic -semihosting` and `mipshv -kernel X
// -semihosting`. A loader puts each case in place (body, data and mapped
// pages, FPRs, FCSR, HI/LO, GPRs) and runs its prologue; the body ends in
// the exit stub, which here dumps the architectural state through UHI
// semihosting (one write per case) and goes on with the next case; after
// the last, UHI exit(0). Layout (physical, used through kseg0): the same
// as engine_fuzz's machines, plus the dump's text at 0x78000, the save
// area at 0x79000, the case table at 0x79800, the loader at 0x7a000 and
// the cases from 0x100000.
// ============================================================================

constexpr uint64_t kQTextPa = 0x78000, kQHexPa = 0x78c00, kQIdxPa = 0x78c20, kQSavePa = 0x79000;
constexpr uint64_t kQTablePa = 0x79800, kQLoaderPa = 0x7a000, kQCasesPa = 0x100000;
constexpr unsigned kQMaxCases = 256;
constexpr uint64_t kQDescGpr = 56, kQDescFpr = kQDescGpr + 256, kQDescData = kQDescFpr + 256;
constexpr uint64_t kQDescMapped = kQDescData + kDataBytes, kQDescBody = kQDescMapped + kMapBytes;
constexpr uint32_t kSdbbp1 = 0x7000007f;  // UHI semihosting call
constexpr unsigned kQLine = 21;           // "name" (4) + 16 hex digits + "\n"

// The dumped values, in order: their 4-character names.
std::vector<std::string> qemu_dump_names() {
    std::vector<std::string> n = {"case"};
    char b[8];
    for (unsigned r = 1; r < 32; ++r)
        if (r != kK0 && r != kK1) {
            std::snprintf(b, sizeof b, "r%u", r);
            n.push_back(b);
        }
    n.push_back("hi");
    n.push_back("lo");
    for (unsigned f = 0; f < 32; ++f) {
        std::snprintf(b, sizeof b, "f%u", f);
        n.push_back(b);
    }
    for (const char* x : {"fcsr", "mdat", "mmap", "mlog"}) n.push_back(x);  // FCSR, memory checksums
    for (std::string& x : n)
        while (x.size() < 4) x += ' ';
    return n;
}

uint32_t kseg0_of(uint64_t pa) { return uint32_t(kKseg0 + pa); }

// Puts every case in place in turn (entry point of the ELF).
std::vector<uint32_t> qemu_loader() {
    using namespace enc;
    Asm a;
    a.li(8, uint32_t(cp0::status::CU1 | cp0::status::FR | cp0::status::KX));
    a(mtc0(8, cp0::STATUS));
    a(enc::nop | 0xc0);  // ehb
    a.li(9, kseg0_of(kQIdxPa));
    a(I(0x37, 9, 10, 0));  // ld $10, idx
    a(I(0x37, 9, 11, 8));  // ld $11, count
    a.branch(bne(10, 11, 0), "go");
    a(nop);
    a(ori(25, 0, 1));  // UHI exit(0)
    a(ori(4, 0, 0));
    a(kSdbbp1);
    a(beq(0, 0, -1));
    a(nop);
    a.label("go");
    a.li(12, kseg0_of(kQTablePa));
    a(dsll(13, 10, 3));
    a(daddu(12, 12, 13));
    a(I(0x37, 12, 16, 0));  // ld $16, table[idx]: the descriptor
    auto zero = [&](uint64_t pa, uint64_t bytes, const std::string& l) {
        a.li(8, kseg0_of(pa));
        a.li(9, kseg0_of(pa + bytes));
        a.label(l);
        a(sd(0, 0, 8));
        a(daddiu(8, 8, 8));
        a.branch(bne(8, 9, 0), l);
        a(nop);
    };
    zero(kCodePa, 2 * kCodeBytes, "zcode");
    zero(kLogPa, kLogBytes, "zlog");
    // Body: desc.body_len words from desc+kQDescBody to the code region + start_off.
    a(I(0x37, 16, 8, 16));  // start_off
    a.li(9, kseg0_of(kCodePa));
    a(daddu(9, 9, 8));
    a(I(0x37, 16, 10, 24));  // word count
    a(daddiu(11, 16, int64_t(kQDescBody)));
    a.label("cbody");
    a.branch(beq(10, 0, 0), "cbody_done");
    a(nop);
    a(lw(12, 0, 11));
    a(sw(12, 0, 9));
    a(daddiu(11, 11, 4));
    a(daddiu(9, 9, 4));
    a.branch(beq(0, 0, 0), "cbody");
    a(addiu(10, 10, -1));
    a.label("cbody_done");
    auto copy = [&](uint64_t desc_off, uint64_t pa, uint64_t bytes, const std::string& l) {
        a.li(8, uint32_t(desc_off));
        a(daddu(8, 8, 16));
        a.li(9, kseg0_of(pa));
        a.li(10, kseg0_of(pa + bytes));
        a.label(l);
        a(I(0x37, 8, 11, 0));
        a(sd(11, 0, 9));
        a(daddiu(8, 8, 8));
        a(daddiu(9, 9, 8));
        a.branch(bne(9, 10, 0), l);
        a(nop);
    };
    copy(kQDescData, kDataPa, kDataBytes, "cdata");
    copy(kQDescMapped, kMapPa, kMapBytes, "cmap");
    a(I(0x37, 16, 8, 32));                       // ld fcsr
    a((0x11u << 26) | (6u << 21) | (8u << 16) | (31u << 11));  // ctc1 $8, $31
    for (unsigned f = 0; f < 32; ++f) a(I(0x35, 16, f, int64_t(kQDescFpr + 8 * f)));  // ldc1
    a(I(0x37, 16, 8, 40));
    a(R(0, 8, 0, 0, 0, 0x11));  // mthi
    a(I(0x37, 16, 8, 48));
    a(R(0, 8, 0, 0, 0, 0x13));  // mtlo
    a(I(0x37, 16, kK1, 8));     // the case's prologue
    a(daddu(kK0, 16, 0));
    for (unsigned r = 1; r < 32; ++r)
        if (r != kK0 && r != kK1) a(I(0x37, kK0, r, int64_t(kQDescGpr + 8 * r)));
    a(jr(kK1, true));
    a(nop);
    return a.finish();
}

// The exit stub of the QEMU programs: saves and prints the state, then
// the next case.
std::vector<uint32_t> qemu_dump(bool raw_memory) {
    using namespace enc;
    Asm a;
    a.li(kK0, kseg0_of(kQSavePa));
    unsigned slot = 1;
    for (unsigned r = 1; r < 32; ++r)
        if (r != kK0 && r != kK1) a(sd(r, 8 * slot++, kK0));
    a(R(0, 0, 0, 1, 0, 0x10));  // mfhi
    a(sd(1, 8 * slot++, kK0));
    a(R(0, 0, 0, 1, 0, 0x12));  // mflo
    a(sd(1, 8 * slot++, kK0));
    a(mfc0(1, cp0::STATUS));
    a(lui(2, uint32_t((cp0::status::CU1 | cp0::status::FR) >> 16)));
    a(R(0, 1, 2, 1, 0, 0x25));  // or
    a(mtc0(1, cp0::STATUS));
    a(enc::nop | 0xc0);  // ehb
    for (unsigned f = 0; f < 32; ++f) a(I(0x3d, kK0, f, int64_t(8 * slot++)));  // sdc1
    a((0x11u << 26) | (2u << 21) | (1u << 16) | (31u << 11));  // cfc1 $1, $31
    a(sd(1, 8 * slot++, kK0));
    int region = 0;
    for (auto [pa, bytes] : {std::pair{kDataPa, kDataBytes}, std::pair{kMapPa, kMapBytes}, std::pair{kLogPa, kLogBytes}}) {
        const std::string l = "sum" + std::to_string(region++);
        a.li(1, kseg0_of(pa));
        a.li(2, kseg0_of(pa + bytes));
        a(ori(3, 0, 0));
        a.label(l);
        a(I(0x37, 1, 4, 0));
        a(xor_(3, 3, 4));
        a(dsll(5, 3, 13));
        a(daddu(3, 3, 5));
        a(R(0, 0, 3, 5, 7, 0x3a));  // dsrl $5, $3, 7
        a(xor_(3, 3, 5));
        a(daddiu(1, 1, 8));
        a.branch(bne(1, 2, 0), l);
        a(nop);
        a(sd(3, 8 * slot++, kK0));
    }
    // The case's number, from its descriptor.
    a.li(1, kseg0_of(kQIdxPa));
    a(I(0x37, 1, 2, 0));
    a.li(3, kseg0_of(kQTablePa));
    a(dsll(2, 2, 3));
    a(daddu(3, 3, 2));
    a(I(0x37, 3, 3, 0));
    a(I(0x37, 3, 3, 0));
    a(sd(3, 0, kK0));
    // Hex digits into the text.
    a.li(1, kseg0_of(kQSavePa));
    a.li(2, kseg0_of(kQTextPa + 4));
    a(ori(3, 0, slot));
    a.li(7, kseg0_of(kQHexPa));
    a.label("outer");
    a(I(0x37, 1, 4, 0));
    a(ori(6, 0, 16));
    a.label("inner");
    a(R(0, 0, 4, 5, 28, 0x3e));  // dsrl32 $5, $4, 28: the top nibble
    a(daddu(5, 5, 7));
    a(I(0x24, 5, 5, 0));  // lbu
    a(I(0x28, 2, 5, 0));  // sb
    a(dsll(4, 4, 4));
    a(addiu(6, 6, -1));
    a.branch(bne(6, 0, 0), "inner");
    a(daddiu(2, 2, 1));
    a(daddiu(2, 2, kQLine - 16));
    a(daddiu(1, 1, 8));
    a(addiu(3, 3, -1));
    a.branch(bne(3, 0, 0), "outer");
    a(nop);
    a(ori(25, 0, 5));  // UHI write(1, text, length)
    a(ori(4, 0, 1));
    a.li(5, kseg0_of(kQTextPa));
    a(ori(6, 0, slot * kQLine));
    a(kSdbbp1);
    if (raw_memory) {
        // --elf-raw-memory: the data area, the mapped pages and the
        // exception log as raw bytes after the text (for a look at a
        // checksum that differs: split the output and compare with cmp).
        for (auto [pa, bytes] : {std::pair{kDataPa, kDataBytes}, std::pair{kMapPa, kMapBytes}, std::pair{kLogPa, kLogBytes}}) {
            a(ori(25, 0, 5));
            a(ori(4, 0, 1));
            a.li(5, kseg0_of(pa));
            a.li(6, uint32_t(bytes));
            a(kSdbbp1);
        }
    }
    a.li(1, kseg0_of(kQIdxPa));
    a(I(0x37, 1, 2, 0));
    a(daddiu(2, 2, 1));
    a(sd(2, 0, 1));
    a.li(1, kseg0_of(kQLoaderPa));
    a(jr(1, true));
    a(nop);
    if (slot != qemu_dump_names().size()) throw std::logic_error("engine_fuzz: dump slots");
    return a.finish();
}

// Writes cases `ks` of `seed` (the QEMU subset) as one ELF file.
void write_qemu_elf(const std::string& path, const std::vector<std::pair<uint64_t, Program>>& cases, bool raw_memory) {
    if (cases.empty() || cases.size() > kQMaxCases)
        throw std::runtime_error("engine_fuzz: --write-elf takes 1 to " + std::to_string(kQMaxCases) + " cases");
    // Low image: 0x78000 .. 0x80000.
    constexpr uint64_t kLowPa = 0x78000, kLowBytes = 0x8000;
    std::vector<uint8_t> low(kLowBytes);
    auto put = [](std::vector<uint8_t>& img, uint64_t off, const void* src, size_t n) {
        if (off + n > img.size()) img.resize(off + n);
        std::memcpy(img.data() + off, src, n);
    };
    auto put_words = [&](std::vector<uint8_t>& img, uint64_t off, const std::vector<uint32_t>& w) {
        put(img, off, w.data(), 4 * w.size());
    };
    auto put_u64 = [&](std::vector<uint8_t>& img, uint64_t off, uint64_t v) { put(img, off, &v, 8); };
    std::string text;
    for (const std::string& n : qemu_dump_names()) text += n + "0000000000000000\n";
    put(low, kQTextPa - kLowPa, text.data(), text.size());
    put(low, kQHexPa - kLowPa, "0123456789abcdef", 16);
    put_u64(low, kQIdxPa - kLowPa, 0);
    put_u64(low, kQIdxPa + 8 - kLowPa, cases.size());
    Config hc;
    hc.qemu = true;
    const std::vector<uint32_t> vec = {enc::j_to(kKseg0 + kHandlerPa), enc::nop};
    for (uint64_t off : {0x000, 0x080, 0x100, 0x180, 0x200}) put_words(low, kEbasePa + off - kLowPa, vec);
    put_words(low, kHandlerPa - kLowPa, handler(hc));
    put_words(low, kExitPa - kLowPa, qemu_dump(raw_memory));
    put_words(low, kQLoaderPa - kLowPa, qemu_loader());
    if (low.size() != kLowBytes) throw std::logic_error("engine_fuzz: the QEMU runtime does not fit");
    // The cases: descriptor, data, mapped pages, body, then the prologue.
    std::vector<uint8_t> hi;
    for (size_t j = 0; j < cases.size(); ++j) {
        const auto& [k, p] = cases[j];
        if (!p.cfg.qemu || !p.twin.empty()) throw std::logic_error("engine_fuzz: not a QEMU-subset program");
        const uint64_t d = (hi.size() + 7) & ~uint64_t(7);
        const uint64_t body_bytes = (4 * p.body.size() + 7) & ~uint64_t(7);
        const uint64_t pro = d + kQDescBody + body_bytes;
        put_u64(hi, d + 0, k);
        put_u64(hi, d + 8, kKseg0 + kQCasesPa + pro);
        put_u64(hi, d + 16, p.cfg.start_off);
        put_u64(hi, d + 24, p.body.size());
        put_u64(hi, d + 32, p.fcsr);
        put_u64(hi, d + 40, p.hi);
        put_u64(hi, d + 48, p.lo);
        for (unsigned r = 0; r < 32; ++r) put_u64(hi, d + kQDescGpr + 8 * r, p.gpr[r]);
        for (unsigned f = 0; f < 32; ++f) put_u64(hi, d + kQDescFpr + 8 * f, p.fpr[f]);
        put(hi, d + kQDescData, p.data.data(), kDataBytes);
        put(hi, d + kQDescMapped, p.mapped.data(), kMapBytes);
        put_words(hi, d + kQDescBody, p.body);
        put_words(hi, pro, prologue(p.cfg));
        put_u64(low, kQTablePa - kLowPa + 8 * j, kKseg0 + kQCasesPa + d);
    }
    hi.resize((hi.size() + 7) & ~size_t(7));
    // ELF64, little-endian, EM_MIPS, two PT_LOAD segments.
    std::vector<uint8_t> f(0x1000);
    auto w16 = [&](size_t o, uint16_t v) { std::memcpy(&f[o], &v, 2); };
    auto w32 = [&](size_t o, uint32_t v) { std::memcpy(&f[o], &v, 4); };
    auto w64 = [&](size_t o, uint64_t v) { std::memcpy(&f[o], &v, 8); };
    const uint8_t ident[16] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
    std::memcpy(&f[0], ident, 16);
    w16(16, 2);                                       // ET_EXEC
    w16(18, 8);                                       // EM_MIPS
    w32(20, 1);
    w64(24, kKseg0 + kQLoaderPa);                     // entry
    w64(32, 64);                                      // phoff
    w64(40, 0);                                       // shoff
    w32(48, 0x80000000u | 0x1u);                      // EF_MIPS_ARCH_64R2 | NOREORDER
    w16(52, 64);
    w16(54, 56);
    w16(56, 2);
    w16(58, 64);
    w16(60, 0);
    w16(62, 0);
    const uint64_t low_off = 0x1000, hi_off = low_off + kLowBytes;
    auto phdr = [&](size_t o, uint64_t off, uint64_t pa, uint64_t n) {
        w32(o, 1);                // PT_LOAD
        w32(o + 4, 7);            // RWX
        w64(o + 8, off);
        w64(o + 16, kKseg0 + pa);  // vaddr
        w64(o + 24, kKseg0 + pa);  // paddr (QEMU's loader reads this one)
        w64(o + 32, n);
        w64(o + 40, n);
        w64(o + 48, 0x1000);
    };
    phdr(64, low_off, kLowPa, kLowBytes);
    phdr(64 + 56, hi_off, kQCasesPa, hi.size());
    f.insert(f.end(), low.begin(), low.end());
    f.insert(f.end(), hi.begin(), hi.end());
    std::FILE* out = std::fopen(path.c_str(), "wb");
    if (!out || std::fwrite(f.data(), 1, f.size(), out) != f.size() || std::fclose(out) != 0)
        throw std::runtime_error("engine_fuzz: cannot write " + path);
}

// ============================================================================
// Programs as text files (--save, --load): a reproducer that does not
// depend on the generator staying the same.
// ============================================================================

void save_program(const Program& p, const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (!f) throw std::runtime_error("engine_fuzz: cannot write " + path);
    const Config& c = p.cfg;
    std::fprintf(f, "# engine_fuzz program: engine_fuzz --load %s\n", path.c_str());
    std::fprintf(f, "seg %u\nuser %d\nstatus 0x%x\ntimer %d %u %u\nasid 0x%x\nglobal %d %d %d\nentry1_asid 0x%x\n",
                 unsigned(c.seg), int(c.user), c.status, int(c.timer), c.timer_first, c.timer_rearm, c.asid,
                 int(c.global[0]), int(c.global[1]), int(c.global[2]), c.entry1_asid);
    std::fprintf(f, "twin_flag %d\nstart_off 0x%x\nsupervisor %d\nstraight %d\nqemu %d\n", int(c.twin), c.start_off,
                 int(c.supervisor), int(c.straight), int(c.qemu));
    std::fprintf(f, "schedule %zu", p.schedule.size());
    for (uint64_t b : p.schedule) std::fprintf(f, " %" PRIu64, b);
    std::fprintf(f, "\ngpr");
    for (uint64_t v : p.gpr) std::fprintf(f, " 0x%" PRIx64, v);
    std::fprintf(f, "\nhilo 0x%" PRIx64 " 0x%" PRIx64 "\nfpr", p.hi, p.lo);
    for (uint64_t v : p.fpr) std::fprintf(f, " 0x%" PRIx64, v);
    std::fprintf(f, "\nfcsr 0x%x\n", p.fcsr);
    for (auto [name, words] : {std::pair{"body", &p.body}, std::pair{"twin", &p.twin}}) {
        std::fprintf(f, "%s %zu\n", name, words->size());
        for (size_t k = 0; k < words->size(); ++k) {
            const uint64_t pc = body_va(c) + 4 * k;
            std::fprintf(f, "  0x%08x  # [%zu] %s\n", (*words)[k], k, disassemble((*words)[k], pc).c_str());
        }
    }
    for (auto [name, bytes] : {std::pair{"data", &p.data}, std::pair{"mapped", &p.mapped}}) {
        std::fprintf(f, "%s %zu", name, bytes->size() / 8);
        for (size_t k = 0; k < bytes->size(); k += 8) {
            uint64_t v;
            std::memcpy(&v, bytes->data() + k, 8);
            std::fprintf(f, "%s0x%" PRIx64, k % 64 ? " " : "\n  ", v);
        }
        std::fprintf(f, "\n");
    }
    std::fclose(f);
}

Program load_program_file(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "r");
    if (!f) throw std::runtime_error("engine_fuzz: cannot read " + path);
    // Tokens, without comments.
    std::vector<std::string> tok;
    char line[1024];
    while (std::fgets(line, sizeof line, f)) {
        std::string l = line;
        if (auto h = l.find('#'); h != std::string::npos) l.resize(h);
        size_t at = 0;
        while (at < l.size()) {
            while (at < l.size() && std::isspace(static_cast<unsigned char>(l[at]))) ++at;
            size_t end = at;
            while (end < l.size() && !std::isspace(static_cast<unsigned char>(l[end]))) ++end;
            if (end > at) tok.push_back(l.substr(at, end - at));
            at = end;
        }
    }
    std::fclose(f);
    size_t at = 0;
    auto word = [&]() -> const std::string& {
        if (at >= tok.size()) throw std::runtime_error("engine_fuzz: " + path + ": unexpected end");
        return tok[at++];
    };
    auto num = [&]() { return uint64_t(std::strtoull(word().c_str(), nullptr, 0)); };
    Program p;
    Config& c = p.cfg;
    while (at < tok.size()) {
        const std::string key = word();
        if (key == "seg") c.seg = Seg(num());
        else if (key == "user") c.user = num();
        else if (key == "status") c.status = uint32_t(num());
        else if (key == "timer") { c.timer = num(); c.timer_first = uint32_t(num()); c.timer_rearm = uint32_t(num()); }
        else if (key == "asid") c.asid = uint8_t(num());
        else if (key == "global") for (bool& g : c.global) g = num();
        else if (key == "entry1_asid") c.entry1_asid = uint8_t(num());
        else if (key == "twin_flag") c.twin = num();
        else if (key == "start_off") c.start_off = uint32_t(num());
        else if (key == "supervisor") c.supervisor = num();
        else if (key == "straight") c.straight = num();
        else if (key == "qemu") c.qemu = num();
        else if (key == "schedule") { p.schedule.resize(num()); for (uint64_t& b : p.schedule) b = num(); }
        else if (key == "gpr") for (uint64_t& v : p.gpr) v = num();
        else if (key == "hilo") { p.hi = num(); p.lo = num(); }
        else if (key == "fpr") for (uint64_t& v : p.fpr) v = num();
        else if (key == "fcsr") p.fcsr = uint32_t(num());
        else if (key == "body" || key == "twin") {
            auto& w = key == "body" ? p.body : p.twin;
            w.resize(num());
            for (uint32_t& x : w) x = uint32_t(num());
        } else if (key == "data" || key == "mapped") {
            auto& b = key == "data" ? p.data : p.mapped;
            b.resize(num() * 8);
            for (size_t k = 0; k < b.size(); k += 8) {
                const uint64_t v = num();
                std::memcpy(b.data() + k, &v, 8);
            }
        } else {
            throw std::runtime_error("engine_fuzz: " + path + ": unknown key '" + key + "'");
        }
    }
    p.data.resize(kDataBytes);
    p.mapped.resize(kMapBytes);
    if (p.schedule.empty()) p.schedule = {0};
    if (p.body.empty() || c.start_off + 4 * p.body.size() > kCodeBytes)
        throw std::runtime_error("engine_fuzz: " + path + ": the body is empty or does not fit");
    return p;
}

// ============================================================================
// Running and comparing.
// ============================================================================

std::string g_trace_file;  // --trace: the interpreter's instruction trace
unsigned g_timeout_s = 20;  // --timeout: per run, in a child process
std::string g_loaded;       // --load: the program file, for reports
std::string g_mode = "bare-metal";  // --mode: the execution mode both machines run in
uint64_t g_code_cache = 0;          // --code-cache: the translator's code cache (0: the default)
std::string g_timing;               // --timing PROFILE: the clock follows that cost model
bool g_quiet_children = true;       // the machines' own messages ("guest read unmapped ...") hidden

std::unique_ptr<Machine> new_machine(const char* engine) {
    Options o;
    o.engine = engine;
    if (std::string_view(engine) == "interp") o.trace_file = g_trace_file;
    o.memory_bytes = kRamBytes;
    o.rtc_base_s = 0;
    o.mode = g_mode;
    if (g_code_cache) o.code_cache_bytes = g_code_cache;
    if (!g_timing.empty()) {
        o.cost_model = g_timing;
        o.timing = true;
    }
    return std::make_unique<Machine>(o, std::make_unique<BufferConsole>());
}

// Places the program and its initial state in a just-constructed Machine.
void load_program(Machine& m, const Program& p) {
    auto put = [&](uint64_t pa, const void* src, size_t bytes) {
        uint8_t* dst = m.bus().ram_ptr(pa, bytes);
        if (!dst) throw std::runtime_error("engine_fuzz: layout does not fit in RAM");
        std::memcpy(dst, src, bytes);
    };
    auto put_words = [&](uint64_t pa, const std::vector<uint32_t>& w) { put(pa, w.data(), w.size() * 4); };
    const std::vector<uint32_t> vec = {enc::j_to(kKseg0 + kHandlerPa), enc::nop};
    for (uint64_t off : {0x000, 0x080, 0x100, 0x180, 0x200}) put_words(kEbasePa + off, vec);
    put_words(kHandlerPa, handler(p.cfg));
    put_words(kProloguePa, prologue(p.cfg));
    put_words(kExitPa, exit_stub());
    put_words(kCodePa + p.cfg.start_off, p.body);
    if (!p.twin.empty()) put_words(kTwinPa + p.cfg.start_off, p.twin);
    put(kDataPa, p.data.data(), p.data.size());
    put(kMapPa, p.mapped.data(), p.mapped.size());
    Cpu& c = m.cpu();
    for (unsigned r = 1; r < 32; ++r) c.gpr[r] = p.gpr[r];
    c.hi = p.hi;
    c.lo = p.lo;
    for (unsigned r = 0; r < 32; ++r) c.fpu.fpr[r] = p.fpr[r];
    c.fpu.fcsr = p.fcsr;
    c.pc = kKseg0 + kProloguePa;
}

// Every piece of architectural state, as (name, index, value): index -1
// for a scalar, -2 for a counter (named by the counters.def row).
template <typename F>
void visit_state(Machine& m, F&& f) {
    Cpu& c = m.cpu();
    for (int r = 0; r < 32; ++r) f("gpr", r, c.gpr[r]);  // not [32]: the sink
    f("hi", -1, c.hi);
    f("lo", -1, c.lo);
    f("pc", -1, c.pc);
    f("llbit", -1, uint64_t(c.llbit));
    for (int r = 0; r < 32; ++r) f("fpr", r, c.fpu.fpr[r]);
    f("fcsr", -1, c.fpu.fcsr);
    f("fir", -1, c.fpu.fir);
    const Cp0State& p = c.cp0;
#define CP0_FIELD(x) f("cp0." #x, -1, uint64_t(p.x));
    // (EntryLo as a read sees it: a patched DMTC0 may store more bits, cp0_read_mask)
    f("cp0.entrylo0", -1, p.entrylo0 & cp0_read_mask(cp0::ENTRYLO0, 0));
    f("cp0.entrylo1", -1, p.entrylo1 & cp0_read_mask(cp0::ENTRYLO1, 0));
    CP0_FIELD(index) CP0_FIELD(context) CP0_FIELD(userlocal)
    CP0_FIELD(pagemask) CP0_FIELD(wired) CP0_FIELD(hwrena) CP0_FIELD(badvaddr) CP0_FIELD(entryhi)
    CP0_FIELD(compare) CP0_FIELD(status) CP0_FIELD(intctl) CP0_FIELD(srsctl) CP0_FIELD(cause) CP0_FIELD(epc)
    CP0_FIELD(prid) CP0_FIELD(ebase) CP0_FIELD(lladdr) CP0_FIELD(xcontext) CP0_FIELD(errorepc)
    CP0_FIELD(desave) CP0_FIELD(taglo) CP0_FIELD(taghi) CP0_FIELD(datalo) CP0_FIELD(datahi) CP0_FIELD(errctl)
    CP0_FIELD(count_at_base) CP0_FIELD(count_base)
#undef CP0_FIELD
    for (int k = 0; k < 6; ++k) f("cp0.config", k, p.config[k]);
    for (int k = 0; k < 6; ++k) f("cp0.kscratch", k, p.kscratch[k]);
    f("cp0.Count", -1, cp0_count(c));
    for (int k = 0; k < int(kTlbEntries); ++k) {
        const TlbEntry& e = c.tlb.entries[size_t(k)];
        f("tlb.entryhi", k, e.entryhi);
        f("tlb.pagemask", k, e.pagemask);
        f("tlb.lo0", k, e.lo[0]);
        f("tlb.lo1", k, e.lo[1]);
        f("tlb.asid", k, e.asid);
        f("tlb.global", k, uint64_t(e.global));
    }
    f("instret", -1, c.instret);
    f("ticks", -1, c.ticks());
    f("timer_deadline", -1, c.timer_deadline);
    f("irq_lines", -1, c.irq_lines);
    f("mmu_mode", -1, c.mmu_mode);
    f("exit_code", -1, uint64_t(int64_t(c.exit_code)));
    f("stop", -1, uint64_t(c.stop));
    c.counters.for_each([&](std::string_view name, std::string_view, uint64_t v) {
        // A whole flush of a small code cache (--code-cache) unmarks every
        // code page, so stores there take the software TLB's fast path
        // until the code is translated again: how often it misses is then
        // host history, not guest behaviour.
        if (g_code_cache && name == "soft_tlb_misses") return;
        f(name.data(), -2, v);
    });
}

std::string field_name(const char* name, int index) {
    if (index == -2) return std::string("counters.") + name;
    if (index == -1) return name;
    return std::string(name) + "[" + std::to_string(index) + "]";
}

std::string hex(uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "0x%" PRIx64, v);
    return b;
}

struct Region {
    uint64_t pa, bytes;
};
const Region kStepRegions[] = {{kCodePa, 2 * kCodeBytes}, {kDataPa, kDataBytes}, {kMapPa, kMapBytes}, {kLogPa, kLogBytes}};

// Appends a line per difference; true when the machines agree.
bool compare(Machine& a, Machine& b, StopReason ra, StopReason rb, bool full_memory, std::vector<std::string>& diffs) {
    static thread_local std::vector<std::pair<const char*, int>> names;
    static thread_local std::vector<uint64_t> va, vb;
    names.clear();
    va.clear();
    vb.clear();
    visit_state(a, [&](const char* n, int i, uint64_t v) {
        names.emplace_back(n, i);
        va.push_back(v);
    });
    visit_state(b, [&](const char*, int, uint64_t v) { vb.push_back(v); });
    if (ra != rb) diffs.push_back(std::string("run() returned: interp ") + stop_reason_name(ra) + ", jit " + stop_reason_name(rb));
    for (size_t k = 0; k < va.size() && k < vb.size(); ++k)
        if (va[k] != vb[k])
            diffs.push_back(field_name(names[k].first, names[k].second) + ": interp " + hex(va[k]) + ", jit " + hex(vb[k]));
    auto bytes_differ = [&](uint64_t pa, uint64_t len) {
        const uint8_t* x = a.bus().ram_ptr(pa, len);
        const uint8_t* y = b.bus().ram_ptr(pa, len);
        if (std::memcmp(x, y, len) == 0) return;
        int shown = 0;
        for (uint64_t off = 0; off < len; off += 8) {
            uint64_t u, w;
            std::memcpy(&u, x + off, 8);
            std::memcpy(&w, y + off, 8);
            if (u == w) continue;
            if (++shown > 8) {
                diffs.push_back("memory: more differences follow");
                break;
            }
            diffs.push_back("memory pa " + hex(pa + off) + " (8 bytes): interp " + hex(u) + ", jit " + hex(w));
        }
    };
    if (full_memory) {
        bytes_differ(0, kFullCompareBytes);
    } else {
        for (const Region& r : kStepRegions) bytes_differ(r.pa, r.bytes);
    }
    auto* ca = dynamic_cast<BufferConsole*>(&a.console());
    auto* cb = dynamic_cast<BufferConsole*>(&b.console());
    if (ca && cb && ca->output() != cb->output()) diffs.push_back("console output differs");
    return diffs.empty();
}

struct Outcome {
    bool mismatch = false;
    std::vector<std::string> diffs;
    size_t step = 0;       // schedule step after which the state differed
    uint64_t budget = 0;   // its budget
    uint64_t insns = 0;    // interp instret at that point / at the end
    StopReason stop = StopReason::NONE;
    CpuCounters counters;  // the interpreter's, at the end
    std::string error;     // an exception escaped from a Machine
};

// Runs the program on two just-constructed machines, comparing after every
// slice of the schedule (memory areas each time, the whole low MiB at the end).
Outcome run_on(Machine& a, Machine& b, const Program& p, uint64_t max_insns) {
    Outcome out;
    try {
        load_program(a, p);
        load_program(b, p);
        uint64_t total = 0;
        for (size_t s = 0; s < p.schedule.size(); ++s) {
            uint64_t budget = p.schedule[s] ? p.schedule[s] : max_insns;
            if (total >= max_insns) break;
            budget = std::min(budget, max_insns - total);
            const StopReason ra = a.run(budget);
            const StopReason rb = b.run(budget);
            total += budget;
            const bool last = ra != StopReason::BUDGET || s + 1 == p.schedule.size() || total >= max_insns;
            if (!compare(a, b, ra, rb, last, out.diffs)) {
                out.mismatch = true;
                out.step = s;
                out.budget = budget;
                out.insns = a.cpu().instret;
                out.stop = ra;
                out.counters = a.cpu().counters;
                return out;
            }
            out.stop = ra;
            if (last) break;
        }
        out.insns = a.cpu().instret;
        out.counters = a.cpu().counters;
    } catch (const std::exception& e) {
        out.mismatch = true;
        out.error = e.what();
        out.diffs.push_back(std::string("exception: ") + e.what());
    }
    return out;
}

// Outcomes cross from a child process to its parent through a pipe.
void put_u64(std::string& s, uint64_t v) { s.append(reinterpret_cast<const char*>(&v), 8); }
void put_str(std::string& s, const std::string& t) {
    put_u64(s, t.size());
    s += t;
}
std::string serialize(const Outcome& o) {
    std::string s;
    put_u64(s, o.mismatch);
    put_u64(s, o.step);
    put_u64(s, o.budget);
    put_u64(s, o.insns);
    put_u64(s, uint64_t(o.stop));
    s.append(reinterpret_cast<const char*>(&o.counters), sizeof o.counters);
    put_str(s, o.error);
    put_u64(s, o.diffs.size());
    for (const std::string& d : o.diffs) put_str(s, d);
    return s;
}
bool deserialize(const std::string& s, Outcome& o) {
    size_t at = 0;
    auto u64 = [&](uint64_t& v) {
        if (at + 8 > s.size()) return false;
        std::memcpy(&v, s.data() + at, 8);
        at += 8;
        return true;
    };
    auto str = [&](std::string& t) {
        uint64_t n;
        if (!u64(n) || at + n > s.size()) return false;
        t.assign(s, at, n);
        at += n;
        return true;
    };
    uint64_t v[5], n;
    for (uint64_t& x : v)
        if (!u64(x)) return false;
    o.mismatch = v[0];
    o.step = v[1];
    o.budget = v[2];
    o.insns = v[3];
    o.stop = StopReason(v[4]);
    if (at + sizeof o.counters > s.size()) return false;
    std::memcpy(&o.counters, s.data() + at, sizeof o.counters);
    at += sizeof o.counters;
    if (!str(o.error) || !u64(n)) return false;
    o.diffs.resize(n);
    for (std::string& d : o.diffs)
        if (!str(d)) return false;
    return at == s.size();
}

// Runs programs on fresh machines. A Machine with the translator costs
// tens of milliseconds to construct (its data tables), so by default a pair
// is constructed once per worker slot and each run happens in a child
// process forked from it, which starts from exactly the just-constructed
// state; a crash or hang of an engine then fails one case instead of the
// whole campaign. The translator's code cache is shared memory (a memfd
// mapped twice), so the children of one slot must run one at a time: each
// slot has its own pair. --in-process constructs new machines for every
// run in this process instead (for debuggers).
// The translator's data tables are tens of MiB of touched memory, which
// fork() copies page table entry by page table entry. Collapsed into huge
// pages they cost a few entries each (a child's writes then copy 4 KiB
// pages). Best effort: nothing depends on it.
void collapse_translator_tables() {
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
    const uint64_t size = (sizeof(jit::Context) + 4095) & ~uint64_t(4095);
    std::FILE* maps = std::fopen("/proc/self/maps", "r");
    if (!maps) return;
    char line[512];
    while (std::fgets(line, sizeof line, maps)) {
        unsigned long lo = 0, hi = 0;
        char perms[8] = {};
        if (std::sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || hi - lo != size || std::strcmp(perms, "rw-p") != 0)
            continue;
        const uint64_t huge = 2ull << 20;
        const uint64_t from = (lo + huge - 1) & ~(huge - 1), to = hi & ~(huge - 1);
        if (from < to) madvise(reinterpret_cast<void*>(from), to - from, MADV_COLLAPSE);
    }
    std::fclose(maps);
}

class Runner {
public:
    Runner(bool fork_mode, unsigned slots, uint64_t max_insns) : fork_(fork_mode), max_(max_insns) {
        if (fork_)
            for (unsigned k = 0; k < slots; ++k) templates_.push_back({new_machine("interp"), new_machine("jit")});
        if (fork_) collapse_translator_tables();
    }
    struct Job {
        pid_t pid = -1;
        int fd = -1;
        Outcome direct;  // in-process runs
    };
    // `slot` must not be running another job.
    Job start(const Program& p, unsigned slot) {
        Job j;
        if (!fork_) {
            try {
                auto a = new_machine("interp");
                auto b = new_machine("jit");
                j.direct = run_on(*a, *b, p, max_);
            } catch (const std::exception& e) {
                j.direct.mismatch = true;
                j.direct.error = e.what();
                j.direct.diffs.push_back(std::string("exception: ") + e.what());
            }
            return j;
        }
        Pair& t = templates_.at(slot);
        std::fflush(nullptr);
        int fds[2];
        if (pipe(fds) != 0) throw std::runtime_error("engine_fuzz: pipe failed");
        const pid_t pid = fork();
        if (pid < 0) throw std::runtime_error("engine_fuzz: fork failed");
        if (pid == 0) {
            close(fds[0]);
            if (g_quiet_children) {
                const int null = open("/dev/null", O_WRONLY);
                if (null >= 0) dup2(null, 2);
            }
            alarm(g_timeout_s);  // a run that never returns (an engine looping in its own code) fails
            const std::string s = serialize(run_on(*t.interp, *t.jit, p, max_));
            for (size_t at = 0; at < s.size();) {
                const ssize_t n = write(fds[1], s.data() + at, s.size() - at);
                if (n <= 0) break;
                at += size_t(n);
            }
            std::fflush(nullptr);
            _exit(0);
        }
        close(fds[1]);
        j.pid = pid;
        j.fd = fds[0];
        return j;
    }
    Outcome finish(Job& j) {
        if (j.pid < 0) return std::move(j.direct);
        std::string s;
        char buf[65536];
        for (;;) {
            const ssize_t n = read(j.fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            s.append(buf, size_t(n));
        }
        close(j.fd);
        int status = 0;
        while (waitpid(j.pid, &status, 0) < 0 && errno == EINTR) {
        }
        Outcome o;
        if (WIFSIGNALED(status) || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || !deserialize(s, o)) {
            o = Outcome{};
            o.mismatch = true;
            if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
                o.error = "the run did not finish within " + std::to_string(g_timeout_s) + " s (hang)";
            else if (WIFSIGNALED(status))
                o.error = "the run crashed: signal " + std::to_string(WTERMSIG(status)) + " (" +
                          strsignal(WTERMSIG(status)) + "); rerun with --in-process";
            else
                o.error = "the run's process failed (status " + std::to_string(status) + ")";
            o.diffs.push_back(o.error);
        }
        return o;
    }
    Outcome run(const Program& p, unsigned slot) {
        Job j = start(p, slot);
        return finish(j);
    }

private:
    struct Pair {
        std::unique_ptr<Machine> interp, jit;
    };
    bool fork_;
    uint64_t max_;
    std::vector<Pair> templates_;
};

// ============================================================================
// Reporting and minimisation.
// ============================================================================

std::string describe_config(const Config& c) {
    char b[320];
    std::snprintf(b, sizeof b,
                  "code in %s at %016" PRIx64 ", %s mode, Status %08x (FR=%d CU1=%d IE=%d IM=%02x), timer %s "
                  "(first %u, rearm %u), ASID %02x, global %d%d%d, entry1 ASID %02x",
                  seg_name(c.seg), body_va(c), c.user ? (c.supervisor ? "supervisor" : "user") : "kernel", c.status,
                  int((c.status & cp0::status::FR) != 0), int((c.status & cp0::status::CU1) != 0), int(c.status & 1),
                  (c.status >> 8) & 0xff, c.timer ? "on" : "off", c.timer_first, c.timer_rearm, c.asid,
                  int(c.global[0]), int(c.global[1]), int(c.global[2]), c.entry1_asid);
    return b;
}

void print_listing(const char* title, uint64_t va, const std::vector<uint32_t>& words, bool skip_nops) {
    std::printf("  %s:\n", title);
    for (size_t k = 0; k < words.size(); ++k) {
        if (skip_nops && words[k] == 0) continue;
        const uint64_t pc = va + 4 * k;
        std::printf("    [%3zu] %016" PRIx64 ": %08x  %s\n", k, pc, words[k], disassemble(words[k], pc).c_str());
    }
}

std::string schedule_text(const std::vector<uint64_t>& s) {
    if (s.size() == 1) return "one run to the end";
    std::string t;
    size_t ones = 0;
    for (uint64_t b : s) ones += b == 1;
    if (ones + 1 == s.size()) return std::to_string(ones) + " single steps, then the rest";
    for (size_t k = 0; k < s.size() && k < 12; ++k) t += (k ? "," : "") + (s[k] ? std::to_string(s[k]) : std::string("rest"));
    if (s.size() > 12) t += ",... (" + std::to_string(s.size()) + " slices)";
    return t;
}

void print_twin(const Program& p, bool skip_nops) {
    if (p.twin.empty()) return;
    std::printf("  twin at pa %" PRIx64 " (mapped at the body's address by the TLB writes above; words that differ):\n",
                kTwinPa + p.cfg.start_off);
    for (size_t k = 0; k < p.twin.size() && k < p.body.size(); ++k) {
        if (p.twin[k] == p.body[k] || (skip_nops && p.twin[k] == 0)) continue;
        const uint64_t pc = body_va(p.cfg) + 4 * k;
        std::printf("    [%3zu] %016" PRIx64 ": %08x  %s\n", k, pc, p.twin[k], disassemble(p.twin[k], pc).c_str());
    }
}

void print_initial_state(const Program& p, bool only_used) {
    std::set<unsigned> used;
    if (only_used) {
        for (uint32_t w : p.body) {
            if (!w) continue;
            used.insert(field_rs(w));
            used.insert(field_rt(w));
            used.insert(field_rd(w));
        }
    }
    std::printf("  initial GPRs%s:", only_used ? " (fields the body names)" : "");
    int n = 0;
    for (unsigned r = 1; r < 32; ++r) {
        if (only_used && !used.count(r)) continue;
        std::printf("%s r%u=%016" PRIx64, (n++ % 4) ? "" : "\n   ", r, p.gpr[r]);
    }
    std::printf("\n  HI=%016" PRIx64 " LO=%016" PRIx64 " FCSR=%08x\n", p.hi, p.lo, p.fcsr);
    std::printf("  initial FPRs%s:", only_used ? " (fields the body names)" : "");
    n = 0;
    for (unsigned r = 0; r < 32; ++r) {
        if (only_used && !used.count(r)) continue;
        std::printf("%s f%u=%016" PRIx64, (n++ % 4) ? "" : "\n   ", r, p.fpr[r]);
    }
    std::printf("\n");
}

void print_outcome(const Outcome& o) {
    if (!o.error.empty()) {
        std::printf("  error: %s\n", o.error.c_str());
        return;
    }
    std::printf("  state differs after schedule step %zu (budget %" PRIu64 "), interp at %" PRIu64
                " instructions, interp stop %s:\n",
                o.step, o.budget, o.insns, stop_reason_name(o.stop));
    size_t k = 0;
    for (const std::string& d : o.diffs) {
        if (++k > 40) {
            std::printf("    ... %zu more\n", o.diffs.size() - 40);
            break;
        }
        std::printf("    %s\n", d.c_str());
    }
}

void report(uint64_t seed, uint64_t k, const Program& p, const Outcome& o, bool full) {
    if (!g_loaded.empty()) {
        std::printf("engine_fuzz: MISMATCH program %s\n", g_loaded.c_str());
        std::printf("  reproduce: engine_fuzz --load %s [--minimize]\n", g_loaded.c_str());
    } else {
        std::printf("engine_fuzz: MISMATCH seed=%" PRIu64 " case=%" PRIu64 "\n", seed, k);
        std::printf("  reproduce: engine_fuzz --seed %" PRIu64 " --case %" PRIu64 " [--minimize]\n", seed, k);
    }
    std::printf("  %s\n", describe_config(p.cfg).c_str());
    std::printf("  schedule: %s\n", schedule_text(p.schedule).c_str());
    print_outcome(o);
    if (full) {
        print_listing("prologue (kseg0)", kKseg0 + kProloguePa, prologue(p.cfg), false);
        print_listing("handler (kseg0)", kKseg0 + kHandlerPa, handler(p.cfg), false);
    }
    print_listing("body", body_va(p.cfg), p.body, false);
    print_twin(p, false);
    if (full) print_initial_state(p, false);
    std::fflush(stdout);
}

// Shrinks a failing program while it still fails: one run instead of
// slices, no timer, then every body instruction replaced by a nop where
// that keeps the mismatch (repeated until nothing more goes).
Program minimize(Program p, Runner& runner, unsigned slot, Outcome& last) {
    auto fails = [&](const Program& q) {
        Outcome o = runner.run(q, slot);
        if (o.mismatch) last = o;
        return o.mismatch;
    };
    auto try_change = [&](auto&& change) {
        Program q = p;
        change(q);
        if (fails(q)) {
            p = std::move(q);
            return true;
        }
        return false;
    };
    try_change([](Program& q) { q.schedule = {0}; });
    if (p.schedule.size() > 1) {
        // Fewer slices: keep a prefix up to the failing step.
        const size_t keep = last.step + 1;
        try_change([&](Program& q) {
            q.schedule.resize(std::min(keep, q.schedule.size()));
            q.schedule.push_back(0);
        });
    }
    try_change([](Program& q) { q.cfg.timer = false; });
    try_change([](Program& q) { q.cfg.timer_rearm = 0; });
    try_change([](Program& q) { q.cfg.status &= ~uint32_t(cp0::status::IE); });
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t k = p.body.size() - 1; k-- > 0;) {  // never the final exit break
            const bool twin_differs = !p.twin.empty() && p.twin[k] != 0 && p.twin[k] != p.body[k];
            if (twin_differs) changed |= try_change([&](Program& q) { q.twin[k] = q.body[k]; });
            if (p.body[k] == 0) continue;
            changed |= try_change([&](Program& q) {
                if (!q.twin.empty() && q.twin[k] == q.body[k]) q.twin[k] = 0;
                q.body[k] = 0;
            });
        }
    }
    // Simpler initial state where it does not matter.
    for (unsigned r = 1; r < 32; ++r) {
        if (reserved(r) || p.gpr[r] == 0) continue;
        try_change([&](Program& q) { q.gpr[r] = 0; });
    }
    for (unsigned r = 0; r < 32; ++r) {
        if (p.fpr[r] == 0) continue;
        try_change([&](Program& q) { q.fpr[r] = 0; });
    }
    try_change([](Program& q) { q.hi = q.lo = 0; });
    return p;
}

// ============================================================================
// The driver.
// ============================================================================

struct Args {
    uint64_t seed = 1, cases = 100, first = 0, max_insns = 30000;
    bool one_case = false, verbose = false, do_minimize = false, stop = false, dump = false, in_process = false;
    bool qemu = false;      // --qemu-subset: only QEMU-comparable programs
    bool raw_memory = false;  // --elf-raw-memory
    std::string write_elf;  // --write-elf FILE: the cases as one QEMU-comparable ELF, nothing run
    unsigned max_reports = 3, jobs = 1;
    std::string save, load;  // --save FILE, --load FILE
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "engine_fuzz: %s\n"
                 "usage: engine_fuzz [--seed S] [--cases N] [--first K] [--case K] [--verbose]\n"
                 "                   [--minimize] [--max-reports R] [--stop] [--max-insns M]\n"
                 "                   [--jobs J] [--in-process] [--timeout T] [--dump] [--trace FILE]\n"
                 "                   [--save FILE] [--load FILE] [--mode M] [--code-cache B] [--timing PROFILE]\n"
                 "  --seed S         campaign seed (default 1); case K's program depends on (S, K) only\n"
                 "  --cases N        run N cases, K = first .. first+N-1 (default 100)\n"
                 "  --first K        first case number (default 0)\n"
                 "  --case K         run only case K, and report a mismatch in full\n"
                 "  --verbose        one line per case; full listings in reports\n"
                 "  --minimize       shrink each reported mismatch to a minimal program\n"
                 "  --max-reports R  report the first R mismatches in detail (default 3)\n"
                 "  --stop           stop at the first mismatch\n"
                 "  --max-insns M    instruction cap per case and engine (default 30000)\n"
                 "  --jobs J         run J cases at a time (default 1)\n"
                 "  --in-process     no child processes: fresh machines in this process\n"
                 "  --timeout T      a run taking more than T seconds fails as a hang (default 20)\n"
                 "  --mode M         execution mode of both machines (default bare-metal; trap, 1:1, 1:n, on-demand)\n"
                 "  --code-cache B   the translator's code cache in bytes (small: frequent whole flushes)\n"
                 "  --timing PROFILE both machines' clocks follow that cost model (mipshv --timing)\n"
                 "  --dump           print every case's program and initial state\n"
                 "  --trace FILE     the interpreter's instruction trace (use with --case)\n"
                 "  --save FILE      with --case: write the program (minimized with --minimize) to FILE\n"
                 "  --load FILE      run the program FILE holds instead of generated ones\n"
                 "  --qemu-subset    generate only programs of the QEMU-comparable subset (README.md)\n"
                 "  --write-elf FILE write the cases (QEMU subset) as one ELF for QEMU and mipshv\n"
                 "                   (-kernel FILE -semihosting) instead of running them; up to 256\n"
                 "  --elf-raw-memory with --write-elf: each case also writes its data, mapped and log\n"
                 "                   areas as raw bytes (0x6000 bytes after its text)\n",
                 why);
    std::exit(2);
}

Args parse(int argc, char** argv) {
    Args a;
    for (int k = 1; k < argc; ++k) {
        std::string s = argv[k];
        auto value = [&]() -> uint64_t {
            if (k + 1 >= argc) usage(("missing value after " + s).c_str());
            char* end = nullptr;
            const char* text = argv[++k];
            uint64_t v = std::strtoull(text, &end, 0);
            if (!*text || *end) usage(("bad number '" + std::string(text) + "'").c_str());
            return v;
        };
        if (s == "--seed") a.seed = value();
        else if (s == "--cases") a.cases = value();
        else if (s == "--first") a.first = value();
        else if (s == "--case") { a.first = value(); a.cases = 1; a.one_case = true; }
        else if (s == "--max-insns") a.max_insns = value();
        else if (s == "--max-reports") a.max_reports = unsigned(value());
        else if (s == "--jobs" || s == "-j") a.jobs = unsigned(std::max<uint64_t>(1, value()));
        else if (s == "--verbose" || s == "-v") a.verbose = true;
        else if (s == "--minimize" || s == "--minimise") a.do_minimize = true;
        else if (s == "--stop") a.stop = true;
        else if (s == "--dump") a.dump = true;
        else if (s == "--in-process") a.in_process = true;
        else if (s == "--qemu-subset") a.qemu = true;
        else if (s == "--elf-raw-memory") a.raw_memory = true;
        else if (s == "--write-elf") {
            if (k + 1 >= argc) usage("missing file after --write-elf");
            a.write_elf = argv[++k];
            a.qemu = true;
        }
        else if (s == "--timeout") g_timeout_s = unsigned(value());
        else if (s == "--code-cache") g_code_cache = value();
        else if (s == "--timing") {
            if (k + 1 >= argc) usage("missing profile after --timing");
            g_timing = argv[++k];
        }
        else if (s == "--mode") {
            if (k + 1 >= argc) usage("missing mode after --mode");
            g_mode = argv[++k];
            if (!parse_exec_mode(g_mode)) usage(("unknown mode " + g_mode + " (valid: " + exec_mode_list() + ")").c_str());
        }
        else if (s == "--save" || s == "--load") {
            if (k + 1 >= argc) usage(("missing file after " + s).c_str());
            (s == "--save" ? a.save : a.load) = argv[++k];
        }
        else if (s == "--trace") {
            if (k + 1 >= argc) usage("missing file after --trace");
            g_trace_file = argv[++k];
        }
        else if (s == "--help" || s == "-h") usage("help");
        else usage(("unknown option " + s).c_str());
    }
    if (a.max_insns == 0) usage("--max-insns must be positive");
    if (a.in_process) a.jobs = 1;
    if (a.verbose || a.one_case) g_quiet_children = false;
    if (!a.load.empty()) {
        a.one_case = true;
        g_loaded = a.load;
    }
    return a;
}

struct Totals {
    uint64_t passed = 0, failed = 0, insns = 0, halted = 0;
    CpuCounters sum;
    std::map<std::string, uint64_t> first_fields;  // first differing field -> failures
};

void handle(const Args& args, Runner& runner, unsigned slot, uint64_t k, const Program& p, const Outcome& o, Totals& t) {
    t.insns += o.insns;
    if (o.stop == StopReason::HALT) ++t.halted;
#define COUNTER(field, description) t.sum.field += o.counters.field;
#include "hv/stats/counters.def"
#undef COUNTER
    if (args.verbose)
        std::printf("case %" PRIu64 ": %zu words, %s%s, %" PRIu64 " insns, %" PRIu64 " exceptions (%" PRIu64
                    " interrupts), stop %s: %s\n",
                    k, p.body.size(), seg_name(p.cfg.seg), p.cfg.user ? (p.cfg.supervisor ? " supervisor" : " user") : "", o.insns, o.counters.exceptions,
                    o.counters.interrupts, stop_reason_name(o.stop), o.mismatch ? "MISMATCH" : "ok");
    if (!args.save.empty() && !(o.mismatch && args.do_minimize)) save_program(p, args.save);
    if (!o.mismatch) {
        ++t.passed;
        return;
    }
    ++t.failed;
    const std::string key = o.diffs.empty() ? "?" : o.diffs.front().substr(0, o.diffs.front().find(':'));
    ++t.first_fields[key];
    if (t.failed <= args.max_reports || args.one_case) {
        report(args.seed, k, p, o, args.one_case || args.verbose);
        if (args.do_minimize) {
            Outcome last = o;
            const Program m = minimize(p, runner, slot, last);
            if (!args.save.empty()) {
                save_program(m, args.save);
                std::printf("engine_fuzz: minimized program written to %s\n", args.save.c_str());
            }
            std::printf("engine_fuzz: minimized seed=%" PRIu64 " case=%" PRIu64 " (nops omitted):\n", args.seed, k);
            std::printf("  %s\n", describe_config(m.cfg).c_str());
            std::printf("  schedule: %s\n", schedule_text(m.schedule).c_str());
            print_outcome(last);
            print_listing("body", body_va(m.cfg), m.body, true);
            print_twin(m, true);
            print_initial_state(m, true);
        }
    } else {
        std::printf("engine_fuzz: MISMATCH seed=%" PRIu64 " case=%" PRIu64 ": %s\n", args.seed, k,
                    o.diffs.empty() ? "?" : o.diffs.front().c_str());
    }
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    const Args args = parse(argc, argv);
    if (!args.write_elf.empty()) {
        try {
            std::vector<std::pair<uint64_t, Program>> cases;
            for (uint64_t k = args.first; k < args.first + args.cases; ++k)
                cases.emplace_back(k, args.load.empty() ? generate_program(args.seed, k, true) : load_program_file(args.load));
            write_qemu_elf(args.write_elf, cases, args.raw_memory);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "%s\n", e.what());
            return 2;
        }
        return 0;
    }
    const auto start = std::chrono::steady_clock::now();
    Totals t;
    try {
        Runner runner(!args.in_process, args.jobs, args.max_insns);
        struct InFlight {
            uint64_t k;
            Program p;
            Runner::Job job;
        };
        std::deque<InFlight> inflight;
        auto drain_one = [&] {
            InFlight f = std::move(inflight.front());
            inflight.pop_front();
            const Outcome o = runner.finish(f.job);
            handle(args, runner, unsigned(f.k % args.jobs), f.k, f.p, o, t);
        };
        const uint64_t count = args.load.empty() ? args.cases : 1;
        for (uint64_t k = args.first; k < args.first + count; ++k) {
            if (args.stop && t.failed) break;
            Program p = args.load.empty() ? generate_program(args.seed, k, args.qemu) : load_program_file(args.load);
            if (args.dump) {
                std::printf("case %" PRIu64 ": %s\n  schedule: %s\n", k, describe_config(p.cfg).c_str(),
                            schedule_text(p.schedule).c_str());
                print_listing("body", body_va(p.cfg), p.body, false);
                print_twin(p, false);
                print_initial_state(p, false);
            }
            while (inflight.size() >= args.jobs) drain_one();
            // In-order draining keeps the window's cases in distinct slots.
            Runner::Job job = runner.start(p, unsigned(k % args.jobs));
            inflight.push_back({k, std::move(p), std::move(job)});
        }
        while (!inflight.empty()) drain_one();
    } catch (const std::exception& e) {
        std::printf("engine_fuzz: error: %s\n", e.what());
        ++t.failed;
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (t.failed) {
        std::printf("engine_fuzz: failures by first differing field:");
        for (auto& [f, n] : t.first_fields) std::printf(" %s=%" PRIu64, f.c_str(), n);
        std::printf("\n");
    }
    const CpuCounters& sum = t.sum;
    std::printf("engine_fuzz: seed %" PRIu64 ", %.1f s, %" PRIu64 " guest instructions per engine, %" PRIu64
                " cases halted; exceptions %" PRIu64 " (interrupts %" PRIu64 ", TLB refill %" PRIu64
                ", TLB invalid %" PRIu64 ", TLB modified %" PRIu64 ", address error %" PRIu64 ", syscall %" PRIu64
                "), TLB writes %" PRIu64 ", user-mode instructions %" PRIu64 "\n",
                args.seed, secs, t.insns, t.halted, sum.exceptions, sum.interrupts, sum.tlb_refill_exceptions,
                sum.tlb_invalid_exceptions, sum.tlb_modified_exceptions, sum.address_error_exceptions,
                sum.syscall_exceptions, sum.guest_tlb_writes, sum.instructions_user);
    std::printf("engine_fuzz: %" PRIu64 " passed, %" PRIu64 " failed\n", t.passed, t.failed);
    return t.failed ? 1 : 0;
}
