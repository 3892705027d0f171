#include "hv/cpu/cp0.h"

#include <algorithm>

#include "hv/cpu/exception.h"
#include "hv/cpu/mmu.h"

namespace mipshv {

namespace {
using namespace cp0;

// What this processor implements, as the Config registers describe it.
constexpr uint64_t kPrid = 0x00018900;  // MIPS Technologies 5KE: a MIPS64 Release 2 core
constexpr uint64_t kConfig0 = (1u << 31) | (2u << 13) /*AT: MIPS64, all segments*/ |
                              (1u << 10) /*AR: Release 2*/ | (1u << 7) /*MT: standard TLB*/ | 2 /*K0 uncached*/;
// 64-entry TLB; 32 KiB 4-way I-cache and 16 KiB 4-way D-cache with
// 32-byte lines; FPU present. A D-cache way of 4 KiB (one page) does not
// alias, which Linux requires before it brings up a second core.
constexpr uint64_t kConfig1 = (1u << 31) | (uint64_t(kTlbEntries - 1) << 25) | (2u << 22) | (4u << 19) |
                              (3u << 16) | (1u << 13) | (4u << 10) | (3u << 7) | 1u /*FP*/;
constexpr uint64_t kConfig2 = 1u << 31;                 // no L2/L3
constexpr uint64_t kConfig3 = (1u << 31) | (1u << 13);  // ULRI: UserLocal implemented
constexpr uint64_t kConfig4 = (1u << 31) | (0x0cu << 16);  // KScratch at select 2 and 3
constexpr uint64_t kConfig5 = 0;
constexpr uint64_t kIntCtl = 7u << 29;  // IPTI: the timer drives IP7

constexpr uint64_t kEntryHiMask = cp0::kEntryHiWriteMask;
static_assert(kEntryHiMask == ((3ull << 62) | (((1ull << kSegBits) - 1) & ~0x1fffull) | 0xff), "EntryHi mask follows kSegBits");
constexpr uint64_t kXContextPteBase = ~0ull << (kSegBits - 7);
constexpr uint64_t kEntryLoMask = cp0::kEntryLoWriteMask;
static_assert(kEntryLoMask == ((((1ull << (kPaBits - 12)) - 1) << 6) | 0x3f), "EntryLo mask follows kPaBits");
constexpr uint64_t kKScratchMask = 0x0c;  // selects 2 and 3

bool is_32bit_register(unsigned reg) {
    switch (reg) {
        case ENTRYLO0: case ENTRYLO1: case CONTEXT: case BADVADDR: case ENTRYHI: case EPC:
        case XCONTEXT: case ERROREPC: case DESAVE: case LLADDR: case DEPC: case WATCHLO:
            return false;
        default: return true;
    }
}

void write_status(Cpu& c, uint64_t v) {
    uint64_t old = c.cp0.status;
    c.cp0.status = v & status::WRITABLE;
    update_mmu_mode(c);
    if ((old ^ c.cp0.status) & (status::UX | status::SX | status::KX)) flush_translations(c);
}

void write_entryhi(Cpu& c, uint64_t v) {
    uint64_t old = c.cp0.entryhi;
    c.cp0.entryhi = v & kEntryHiMask;
    if (uint8_t(old) != uint8_t(c.cp0.entryhi)) flush_mapped_translations(c);
}
}  // namespace

void cp0_reset(Cpu& c, unsigned cpu_number) {
    Cp0State& r = c.cp0;
    r = Cp0State{};
    r.status = status::ERL | status::BEV;
    r.prid = kPrid;
    r.ebase = 0x80000000u | (cpu_number & 0x3ff);
    r.config[0] = kConfig0;
    r.config[1] = kConfig1;
    r.config[2] = kConfig2;
    r.config[3] = kConfig3;
    r.config[4] = kConfig4;
    r.config[5] = kConfig5;
    r.intctl = kIntCtl;
    r.compare = 0;
    r.count_base = c.ticks();
    update_mmu_mode(c);
    cp0_schedule_timer(c);
}

uint32_t cp0_count(const Cpu& c) {
    return uint32_t(c.cp0.count_at_base + (c.ticks() - c.cp0.count_base) / kTicksPerCount);
}

void cp0_set_count(Cpu& c, uint32_t count) {
    c.cp0.count_at_base = count;
    c.cp0.count_base = c.ticks();
    cp0_schedule_timer(c);
}

void cp0_schedule_timer(Cpu& c) {
    c.request_check();
    uint64_t counts = uint32_t(uint32_t(c.cp0.compare) - cp0_count(c));
    if (counts == 0) counts = 1ull << 32;  // equal now: the match happens after a full wrap
    // Ticks left until the next Count increment, then one increment per kTicksPerCount.
    uint64_t phase = (c.ticks() - c.cp0.count_base) % kTicksPerCount;
    c.timer_deadline = c.ticks() + (counts * kTicksPerCount) - phase;
    c.timer_check_at = c.instret;
}

bool cp0_timer_due(const Cpu& c) {
    return c.modelled_time ? c.instret >= c.timer_check_at : c.ticks() >= c.timer_deadline;
}

// --timing: the next look at the timer, as far ahead as instructions
// without a timed event cannot reach the deadline (EventPrices::
// plain_step_bound); timed events ask for a look themselves. So the timer
// fires right after the instruction that reached it, and each look is a
// function of the vCPU's state alone: the same in every engine.
static void schedule_timer_check(Cpu& c) {
    if (!c.modelled_time) return;
    const uint64_t now = c.ticks();
    const uint64_t left = c.timer_deadline > now ? c.timer_deadline - now : 0;
    const unsigned __int128 insns = ((unsigned __int128)left << EventPrices::kFractionBits) / c.modelled_time->plain_step_bound;
    c.timer_check_at = c.instret + std::max<uint64_t>(1, uint64_t(std::min<unsigned __int128>(insns, 1ull << 40)));
}

void cp0_advance_timer(Cpu& c) {
    if (c.ticks() >= c.timer_deadline) {
        c.cp0.cause |= cause::TI | (1ull << (8 + cause::IP_TIMER));
        c.timer_deadline += (1ull << 32) * kTicksPerCount;
    }
    schedule_timer_check(c);
}

void cp0_set_irq_line(Cpu& c, unsigned line, bool level) {
    c.request_check();
    uint64_t bit = 1ull << (8 + line);
    c.cp0.cause = level ? (c.cp0.cause | bit) : (c.cp0.cause & ~bit);
}

unsigned cp0_random(const Cpu& c) {
    unsigned wired = unsigned(c.cp0.wired) % kTlbEntries;
    return kTlbEntries - 1 - unsigned(c.instret % (kTlbEntries - wired));
}

uint64_t* cp0_field(Cp0State& r, unsigned reg, unsigned sel) {
    switch (reg * 8 + sel) {
        case INDEX * 8: return &r.index;
        case ENTRYLO0 * 8: return &r.entrylo0;
        case ENTRYLO1 * 8: return &r.entrylo1;
        case CONTEXT * 8: return &r.context;
        case CONTEXT * 8 + 2: return &r.userlocal;
        case PAGEMASK * 8: return &r.pagemask;
        case WIRED * 8: return &r.wired;
        case HWRENA * 8: return &r.hwrena;
        case BADVADDR * 8: return &r.badvaddr;
        case ENTRYHI * 8: return &r.entryhi;
        case COMPARE * 8: return &r.compare;
        case STATUS * 8: return &r.status;
        case STATUS * 8 + 1: return &r.intctl;
        case STATUS * 8 + 2: return &r.srsctl;
        case CAUSE * 8: return &r.cause;
        case EPC * 8: return &r.epc;
        case PRID * 8: return &r.prid;
        case PRID * 8 + 1: return &r.ebase;
        case PRID * 8 + 3: return &r.cmgcrbase;
        case CONFIG * 8 + 0: case CONFIG * 8 + 1: case CONFIG * 8 + 2:
        case CONFIG * 8 + 3: case CONFIG * 8 + 4: case CONFIG * 8 + 5: return &r.config[sel];
        case LLADDR * 8: return &r.lladdr;
        case XCONTEXT * 8: return &r.xcontext;
        case ERRCTL * 8: return &r.errctl;
        case TAGLO * 8: return &r.taglo;
        case TAGLO * 8 + 1: return &r.datalo;
        case TAGHI * 8: return &r.taghi;
        case TAGHI * 8 + 1: return &r.datahi;
        case ERROREPC * 8: return &r.errorepc;
        case DESAVE * 8: return &r.desave;
        default:
            if (reg == DESAVE && (kKScratchMask >> sel) & 1) return &r.kscratch[sel - 2];
            return nullptr;
    }
}

bool cp0_is_64bit(unsigned reg) { return !is_32bit_register(reg); }

uint64_t cp0_read(Cpu& c, unsigned reg, unsigned sel) {
    if (reg == RANDOM && sel == 0) return cp0_random(c);
    if (reg == COUNT && sel == 0) return sext32(cp0_count(c));
    const uint64_t* f = cp0_field(c.cp0, reg, sel);
    if (!f) return 0;  // not implemented: reads as zero
    return is_32bit_register(reg) ? sext32(*f) : *f & cp0_read_mask(reg, sel);
}

uint64_t cp0_read_mask(unsigned reg, unsigned sel) {
    return (reg == ENTRYLO0 || reg == ENTRYLO1) && sel == 0 ? kEntryLoMask : ~0ull;
}

std::optional<uint64_t> cp0_plain_write_mask(unsigned reg, unsigned sel) {
    switch (reg * 8 + sel) {
        case ENTRYLO0 * 8: case ENTRYLO1 * 8: return kEntryLoMask;
        case CONTEXT * 8: return cp0::kContextWritable;
        case PAGEMASK * 8: return cp0::kPageMaskWriteMask;
        case XCONTEXT * 8: return kXContextPteBase;
        case CONTEXT * 8 + 2: case EPC * 8: case ERRCTL * 8: case TAGLO * 8: case TAGLO * 8 + 1: case TAGHI * 8:
        case TAGHI * 8 + 1: case ERROREPC * 8: case DESAVE * 8: return ~0ull;
        default:
            if (reg == DESAVE && (kKScratchMask >> sel) & 1) return ~0ull;
            return std::nullopt;
    }
}

void cp0_write(Cpu& c, unsigned reg, unsigned sel, uint64_t v) {
    Cp0State& r = c.cp0;
    if (const auto mask = cp0_plain_write_mask(reg, sel)) {
        uint64_t& field = *cp0_field(r, reg, sel);
        field = (field & ~*mask) | (v & *mask);
        return;
    }
    switch (reg * 8 + sel) {
        case INDEX * 8: r.index = (r.index & 0x80000000u) | (v % kTlbEntries); break;
        case WIRED * 8: r.wired = v % kTlbEntries; break;
        case HWRENA * 8: r.hwrena = v & (0xfu | (1u << 29)); break;
        case COUNT * 8:
            if (!c.shared_count) cp0_set_count(c, uint32_t(v));
            break;
        case ENTRYHI * 8: write_entryhi(c, v); break;
        case COMPARE * 8:
            r.compare = uint32_t(v);
            r.cause &= ~(cause::TI | (1ull << (8 + cause::IP_TIMER)));
            cp0_schedule_timer(c);
            break;
        case STATUS * 8: write_status(c, v); break;
        case STATUS * 8 + 1: r.intctl = kIntCtl | (v & (0x1fu << 5)); break;
        case CAUSE * 8: r.cause = (r.cause & ~cause::WRITABLE) | (v & cause::WRITABLE); break;
        case PRID * 8 + 1: r.ebase = 0x80000000u | (v & 0x3ffff000u) | (r.ebase & 0x3ff); break;
        case CONFIG * 8: r.config[0] = (kConfig0 & ~7ull) | (v & 7); break;
        default: break;  // read-only or not implemented: the write is ignored
    }
    check_interrupts_at_next_block(c);  // Status or Cause may have let one in
}

}  // namespace mipshv

namespace mipshv {

std::string cp0_register_name(unsigned reg, unsigned sel) {
    using namespace cp0;
    static const char* const kSel0[32] = {
        "Index", "Random", "EntryLo0", "EntryLo1", "Context", "PageMask", "Wired", "HWREna",
        "BadVAddr", "Count", "EntryHi", "Compare", "Status", "Cause", "EPC", "PRId",
        "Config", "LLAddr", "WatchLo", "WatchHi", "XContext", "CP0r21", "CP0r22", "Debug",
        "DEPC", "PerfCnt", "ErrCtl", "CacheErr", "TagLo", "TagHi", "ErrorEPC", "DESAVE"};
    reg &= 31;
    sel &= 7;
    if (sel == 0) return kSel0[reg];
    if (reg == CONTEXT && sel == 2) return "UserLocal";
    if (reg == STATUS && sel == 1) return "IntCtl";
    if (reg == STATUS && sel == 2) return "SRSCtl";
    if (reg == PRID && sel == 1) return "EBase";
    if (reg == PRID && sel == 3) return "CMGCRBase";
    if (reg == CONFIG) return "Config" + std::to_string(sel);
    if (reg == TAGLO && sel == 1) return "DataLo";
    if (reg == TAGHI && sel == 1) return "DataHi";
    if (reg == DESAVE && sel >= 2) return "KScratch" + std::to_string(sel - 1);
    return std::string(kSel0[reg]) + "." + std::to_string(sel);
}

}  // namespace mipshv
