#include "hv/vmm/patcher.h"

#include <cstring>
#include <string>
#include <string_view>

#include "hv/cpu/cp0.h"
#include "hv/cpu/cpu.h"
#include "hv/engine/engine.h"
#include "hv/isa/decoder.h"
#include "hv/isa/encode.h"
#include "hv/vmm/comm_page.h"

namespace mipshv {

namespace {
using namespace encode;
using comm_page::zero_relative;

constexpr unsigned kZero = 0;
constexpr uint32_t kMaxHypercalls = 1u << 20;  // the syscall code field

unsigned sel_of(const Insn& d) { return d.word & 7; }

// Offset of a CP0 register's storage in the communication page.
std::optional<uint64_t> comm_offset(unsigned reg, unsigned sel) {
    static Cp0State layout;
    const uint64_t* f = cp0_field(layout, reg, sel);
    if (!f) return std::nullopt;
    return uint64_t(reinterpret_cast<const char*>(f) - reinterpret_cast<const char*>(&layout));
}

bool computed_register(unsigned reg, unsigned sel) {
    return sel == 0 && (reg == cp0::RANDOM || reg == cp0::COUNT);
}

// Registers a plain store writes as MTC0/DMTC0 would: no side effect, and
// no write mask, or one every reader applies (cp0_read_mask: the TLB
// refill's two DMTC0s to EntryLo become one store each, not a stub)
// (DMTC0: full 64 bits; MTC0: 32-bit registers).
bool plain_store(const Insn& d) {
    const unsigned reg = d.rd, sel = sel_of(d);
    if (d.op == Opcode::dmtc0)
        return (reg == cp0::EPC && sel == 0) || (reg == cp0::ERROREPC && sel == 0) ||
               (reg == cp0::DESAVE && (sel == 0 || sel == 2 || sel == 3)) || (reg == cp0::CONTEXT && sel == 2) ||
               ((reg == cp0::ENTRYLO0 || reg == cp0::ENTRYLO1) && sel == 0);
    return (reg == cp0::TAGLO || reg == cp0::TAGHI) && sel <= 1;
}

// Two scratch GPRs a stub may borrow (saved in the communication page),
// distinct from the instruction's own rt.
std::pair<unsigned, unsigned> scratch_pair(unsigned rt) {
    unsigned a = rt == 1 ? 3 : 1;
    unsigned b = (rt == 2 || a == 2) ? 4 : 2;
    return {a, b};
}

uint32_t load_constant_hi(unsigned reg, uint64_t value) { return lui(reg, uint32_t(value >> 16) & 0xffff); }

// The same unmapped segment alias of `pa` as `va` uses, if `va` is unmapped.
std::optional<uint64_t> alias_like(uint64_t va, uint64_t pa) {
    if (va >= kCkseg0Base && va < kCkseg1Base && pa < kCksegBytes) return kCkseg0Base + pa;
    if (va >= kCkseg1Base && va < kCksegMappedBase && pa < kCksegBytes) return kCkseg1Base + pa;
    if ((va >> 62) == 2) return (va & ~((1ull << kPaBits) - 1)) | pa;
    return std::nullopt;
}
}  // namespace

Patcher::Patcher(Bus& bus, uint64_t stubs_pa, uint64_t stubs_end_pa)
    : bus_(bus), stubs_begin_(stubs_pa), stubs_next_(stubs_pa), stubs_end_(stubs_end_pa) {
    bus_.overlay = this;
}

const Insn* Patcher::hypercall_at(uint64_t pa) const {
    auto it = hypercall_sites_.find(pa);
    return it == hypercall_sites_.end() ? nullptr : &records_[it->second].insn;
}

uint32_t Patcher::hypercall_for(const Insn& d, uint64_t pa, bool eret_follows) {
    records_.push_back({d, true, eret_follows});
    uint32_t index = uint32_t(records_.size() - 1);
    hypercall_sites_[pa] = index;
    return syscall_code(index);
}

std::optional<uint32_t> Patcher::one_to_one(const Insn& d, uint64_t pa, PatchKind& kind) {
    switch (d.op) {
        case Opcode::cache:  // caches are not modelled: nothing to do
            kind = PatchKind::NOP;
            return nop();
        case Opcode::mfc0: case Opcode::dmfc0: {
            if (d.rt == 0) {
                kind = PatchKind::NOP;
                return nop();
            }
            if (cp0_read_mask(d.rd, sel_of(d)) != ~0ull) break;  // a plain load would not mask it: hypercall
            kind = PatchKind::LOAD;
            if (auto off = comm_offset(d.rd, sel_of(d))) {
                const bool wide = d.op == Opcode::dmfc0 && cp0_is_64bit(d.rd);
                return wide ? ld(d.rt, zero_relative(*off), kZero) : lw(d.rt, zero_relative(*off), kZero);
            }
            if (!computed_register(d.rd, sel_of(d))) return or_(d.rt, kZero, kZero);  // unimplemented: reads zero
            // Count is also the hardware register CC, which RDHWR reads
            // without privilege and with the same sign-extended value.
            if (d.rd == cp0::COUNT) return rdhwr(d.rt, 2);
            break;
        }
        case Opcode::mtc0: case Opcode::dmtc0:
            if (plain_store(d)) {
                kind = PatchKind::STORE;
                int32_t off = zero_relative(*comm_offset(d.rd, sel_of(d)));
                return d.op == Opcode::dmtc0 ? sd(d.rt, off, kZero) : sw(d.rt, off, kZero);
            }
            break;
        default: break;
    }
    if (records_.size() >= kMaxHypercalls) return std::nullopt;
    kind = PatchKind::HYPERCALL;
    return hypercall_for(d, pa);
}

std::optional<uint32_t> Patcher::stub_jump(const Insn& d, uint64_t va, uint64_t pa) {
    // A jump needs a delay slot: not possible if the site is itself one.
    const uint8_t* prev = pa >= 4 ? bus_.ram_ptr(pa - 4, 4) : nullptr;
    if (!prev) return std::nullopt;
    uint32_t word;
    std::memcpy(&word, prev, 4);
    if (opcode_info(decode_opcode(word)).flags & insn_flag::BRANCH) return std::nullopt;
    // The next instruction sits in the jump's delay slot, where the engine
    // annuls it; it runs when the stub returns to it.
    if ((pa & 0xfff) == 0xffc) return std::nullopt;  // the delay slot would be on another page

    std::vector<uint32_t> code;
    std::optional<size_t> hypercall_slot;  // a word of the stub that becomes a hypercall
    const auto [s1, s2] = scratch_pair(d.rt);
    const int32_t save0 = zero_relative(comm_page::kSaveSlot0), save1 = zero_relative(comm_page::kSaveSlot1);
    const int32_t status = zero_relative(*comm_offset(cp0::STATUS, 0));
    const unsigned sel = sel_of(d);
    // The end of a stub that stores s1 unless a branch before sent it to
    // the hypercall (whose slow path returns straight to the guest): the
    // scratch registers back, the hypercall; the store, the registers back.
    const auto hypercall_else_store = [&](uint32_t store) {
        hypercall_slot = code.size() + 2;
        code.insert(code.end(), {ld(s1, save0, kZero), ld(s2, save1, kZero), nop() /* the hypercall, once placed */,
                                 store, ld(s1, save0, kZero), ld(s2, save1, kZero)});
    };
    switch (d.op) {
        case Opcode::di: case Opcode::ei:  // rt = Status; Status.IE = 0 or 1
            code = {sd(s1, save0, kZero), lw(s1, status, kZero)};
            if (d.rt) code.push_back(daddu(d.rt, s1, kZero));
            code.push_back(ori(s1, s1, 1));
            if (d.op == Opcode::di) code.push_back(xori(s1, s1, 1));
            code.insert(code.end(), {sw(s1, status, kZero), ld(s1, save0, kZero)});
            break;
        case Opcode::mtc0: case Opcode::dmtc0: {
            if (plain_store(d)) return std::nullopt;  // one store does it (one_to_one)
            const auto off = comm_offset(d.rd, sel);
            if (d.rd == cp0::STATUS && sel == 0) {
                // Store the masked value unless the write changes what
                // write_status acts on: the MMU mode or the addressing
                // enables (UX SX KX). Then the hypervisor must see it
                // (hypercall, whose slow path returns straight to the guest).
                // Stub code runs in kernel mode (it is fetched from an
                // unmapped kernel segment), so with ERL and the enables
                // unchanged, the mode stays unless the new value leaves
                // kernel mode: EXL, ERL and KSU all clear of kernel. Linux's
                // exception entry (EXL 1 -> 0) and return (0 -> 1, KSU user)
                // are such writes, two per syscall.
                using namespace cp0::status;
                const uint64_t w = WRITABLE;
                static_assert(KSU_SHIFT == 3 && (ERL | UX | SX | KX) == 0xe4 && (EXL | ERL) == 0x06);
                code = {sd(s1, save0, kZero), sd(s2, save1, kZero), load_constant_hi(s1, w), ori(s1, s1, w & 0xffff),
                        and_(s1, s1, d.rt), lw(s2, status, kZero), xor_(s2, s2, s1), andi(s2, s2, ERL | UX | SX | KX),
                        bne(s2, kZero, 5) /* to the hypercall */, andi(s2, s1, EXL | ERL),
                        bne(s2, kZero, 6) /* kernel by EXL (or ERL, as before): store */, andi(s2, s1, KSU),
                        beq(s2, kZero, 4) /* kernel by KSU: store */, nop()};
                hypercall_else_store(sw(s1, status, kZero));
            } else if ((d.rd == cp0::ENTRYLO0 || d.rd == cp0::ENTRYLO1 || d.rd == cp0::PAGEMASK) && sel == 0) {
                const uint64_t m = d.rd == cp0::PAGEMASK ? cp0::kPageMaskWriteMask : cp0::kEntryLoWriteMask;
                code = {sd(s1, save0, kZero), load_constant_hi(s1, m), ori(s1, s1, m & 0xffff), and_(s1, s1, d.rt),
                        sd(s1, zero_relative(*off), kZero), ld(s1, save0, kZero)};
            } else if (d.rd == cp0::ENTRYHI && sel == 0) {
                // The masked value (the two fields the dins/dinsu clear are
                // what the write mask leaves out) is stored unless the ASID
                // changes, which the hypervisor must see (the mapped
                // translations go): Linux's TLB update writes EntryHi with
                // the ASID it has.
                static_assert(cp0::kEntryHiWriteMask == ~((0x1full << 8) | (((1ull << 22) - 1) << 40)));
                code = {sd(s1, save0, kZero), sd(s2, save1, kZero),
                        d.op == Opcode::dmtc0 ? daddu(s1, d.rt, kZero) : sll(s1, d.rt, 0),
                        dins(s1, kZero, 8, 5), dinsu(s1, kZero, 40, 22), ld(s2, zero_relative(*off), kZero), xor_(s2, s2, s1),
                        andi(s2, s2, 0xff), beq(s2, kZero, 4) /* same ASID: store */, nop()};
                hypercall_else_store(sd(s1, zero_relative(*off), kZero));
            } else if (d.rd == cp0::CONTEXT && sel == 0 && d.op == Opcode::dmtc0) {
                const int32_t ctx = zero_relative(*off);
                code = {sd(s1, save0, kZero), sd(s2, save1, kZero), ld(s1, ctx, kZero),
                        lui(s2, 0xff80), and_(s2, s1, s2), xor_(s1, s1, s2),  // s1 = BadVPN2 bits kept
                        lui(s2, 0xff80), and_(s2, d.rt, s2), or_(s1, s1, s2), sd(s1, ctx, kZero),
                        ld(s1, save0, kZero), ld(s2, save1, kZero)};
            } else if (d.rd == cp0::INDEX && sel == 0) {
                const int32_t idx = zero_relative(*off);
                code = {sd(s1, save0, kZero), sd(s2, save1, kZero), lw(s1, idx, kZero), lui(s2, 0x8000),
                        and_(s1, s1, s2), andi(s2, d.rt, kTlbEntries - 1), or_(s1, s1, s2), sw(s1, idx, kZero),
                        ld(s1, save0, kZero), ld(s2, save1, kZero)};
            } else {
                return std::nullopt;
            }
            break;
        }
        default: return std::nullopt;
    }
    code.insert(code.end(), {j(va + 4), nop()});
    if (hypercall_slot && records_.size() >= kMaxHypercalls) return std::nullopt;  // (the code names the record)
    const uint64_t stub_pa = stubs_next_;
    auto stub_va = emit_stub(code, va);
    if (!stub_va) return std::nullopt;
    if (hypercall_slot) {
        const uint64_t slot_pa = stub_pa + *hypercall_slot * 4;
        const uint32_t word = hypercall_for(d, slot_pa);
        std::memcpy(bus_.ram_ptr(slot_pa, 4), &word, 4);
    }
    return j(*stub_va);
}

// Places a stub in the hypervisor's region where a jump from `site_va` can
// reach it (same 256 MiB region, same unmapped segment); nothing when the
// site cannot reach it or the region is full (the caller falls back to 1:1).
std::optional<uint64_t> Patcher::emit_stub(const std::vector<uint32_t>& code, uint64_t site_va) {
    if (code.size() > kMaxStubInsns) return std::nullopt;  // (--timing's bound on one guest instruction's time)
    const auto stub_va = alias_like(site_va, stubs_next_);
    if (!stub_va || ((site_va + 4) & ~kJumpOffsetMask) != (*stub_va & ~kJumpOffsetMask)) return std::nullopt;
    const uint64_t bytes = code.size() * 4;
    uint8_t* dst = stubs_next_ + bytes <= stubs_end_ ? bus_.ram_ptr(stubs_next_, bytes) : nullptr;
    if (!dst) return std::nullopt;
    std::memcpy(dst, code.data(), bytes);
    bus_.invalidate_code(stubs_next_, bytes);
    stubs_next_ += bytes;
    return stub_va;
}

// Linux restores the interrupt state with "beqz flags, 1f; di; ei; 1: ehb":
// the DI sits in a delay slot, where no jump can go. The whole idiom becomes
// "j stub; nop": the stub disables interrupts and returns to the EI when the
// flags say so, else past it, so guest time stays instruction for instruction.
bool Patcher::patch_irq_restore(const Insn& d, uint64_t va, uint64_t pa) {
    constexpr uint32_t kDi = 0x41606000, kEi = 0x41606020;
    if (d.op != Opcode::di || d.rt != 0 || pa < 8 || ((pa - 4) & 0xfff) == 0xffc) return false;
    const uint8_t* words = bus_.ram_ptr(pa - 8, 16);
    if (!words || sites_.count(pa - 4) || sites_.count(pa + 4)) return false;
    uint32_t w[4];
    std::memcpy(w, words, sizeof w);
    const bool beqz_over_2 = (w[1] & 0xfc1fffff) == 0x10000002;  // beq rs, $0, +2
    if (!beqz_over_2 || w[2] != kDi || w[3] != kEi) return false;
    if (opcode_info(decode_opcode(w[0])).flags & insn_flag::BRANCH) return false;  // the beqz is itself a delay slot
    const unsigned rs = field_rs(w[1]);
    const unsigned s1 = scratch_pair(rs).first;
    const int32_t save0 = zero_relative(comm_page::kSaveSlot0), status = zero_relative(*comm_offset(cp0::STATUS, 0));
    const uint64_t head_va = va - 4;
    const std::vector<uint32_t> code = {sd(s1, save0, kZero), lw(s1, status, kZero), ori(s1, s1, 1), xori(s1, s1, 1),
                                        sw(s1, status, kZero), ld(s1, save0, kZero), bne(rs, kZero, 3), nop(),
                                        j(head_va + 12), nop(), j(head_va + 8), nop()};
    auto stub_va = emit_stub(code, head_va);
    if (!stub_va) return false;
    add_site(pa - 4, {w[1], PatchKind::STUB, 8, 4, false, pa - 4}, j(*stub_va));
    add_site(pa, {w[2], PatchKind::NOP, 4, 0, false, pa - 4}, nop());
    ++applied_["1:n irq-restore"];
    return true;
}

// The pages a site's span touches (one, or two when it crosses a page end).
template <typename Fn>
void for_each_page(uint64_t begin, uint64_t end, Fn fn) {
    for (uint64_t page = begin & ~0xfffull; page < end; page += 4096) fn(page);
}

void Patcher::add_site(uint64_t pa, Site site, uint32_t replacement) {
    sites_[pa] = site;
    site_words_[pa >> 12].set((pa >> 2) & 1023);
    cached_page_ = ~0ull;
    std::memcpy(bus_.ram_ptr(pa, 4), &replacement, 4);
    for_each_page(pa - site.before, pa + site.span, [&](uint64_t page) {
        if (!bus_.ram_ptr(page, 4096)) return;
        // The page's first site: from now on the slow path makes no fast
        // entries for it, so the existing ones are dropped once.
        if (++sites_per_page_[page] > 1) return;
        bus_.set_patched_page(page, true);
        bus_.track_page(page, true);
    });
    bus_.invalidate_code(pa, 4);
}

void Patcher::remove_site(uint64_t pa) {
    auto it = sites_.find(pa);
    if (it->second.group && it->second.group != pa) return remove_site(it->second.group);  // drop the whole group
    if (it->second.group == pa)
        for (uint64_t w = pa + 4; sites_.count(w) && sites_.at(w).group == pa; w += 4) remove_one(w);
    remove_one(pa);
}

void Patcher::remove_one(uint64_t pa) {
    auto it = sites_.find(pa);
    std::memcpy(bus_.ram_ptr(pa, 4), &it->second.original, 4);
    bus_.invalidate_code(pa, 4);
    for_each_page(pa - it->second.before, pa + it->second.span, [&](uint64_t page) {
        auto count = sites_per_page_.find(page);
        if (count == sites_per_page_.end()) return;
        if (--count->second == 0) {
            sites_per_page_.erase(count);
            bus_.set_patched_page(page, false);
        }
    });
    if (auto h = hypercall_sites_.find(pa); h != hypercall_sites_.end()) {
        records_[h->second].live = false;
        hypercall_sites_.erase(h);
    }
    sites_.erase(it);
    if (auto words = site_words_.find(pa >> 12); words != site_words_.end()) {
        words->second.reset((pa >> 2) & 1023);
        if (words->second.none()) site_words_.erase(words);
    }
    cached_page_ = ~0ull;
    ++dropped_;
}

// Linux's TLB exception handlers end with a TLB write and ERET: a refill
// takes two exits in the patched modes where bare metal takes none. With a
// sequence allowed (1:n, on demand), the write's hypercall also returns
// from the exception, one exit for both (the ERET's word stays a site of
// its own, for code that jumps to it). The patch spans the ERET, so a
// write over it drops the patch.
bool Patcher::tlb_write_before_eret(const Insn& d, uint64_t pa) const {
    if ((d.op != Opcode::tlbwr && d.op != Opcode::tlbwi) || (pa & 0xfff) == 0xffc) return false;
    const uint8_t* next = bus_.ram_ptr(pa + 4, 4);
    if (!next) return false;
    uint32_t word;
    std::memcpy(&word, next, 4);
    return original_at(pa + 4).value_or(word) == eret();
}

bool Patcher::patch(uint64_t va, uint64_t pa, bool allow_stub) {
    if (sites_.count(pa) || (pa & 3)) return false;
    const uint8_t* host = bus_.ram_ptr(pa, 4);
    if (!host) return false;
    uint32_t word;
    std::memcpy(&word, host, 4);
    const Insn d = decode_insn(va, word);
    if (opcode_info(d.op).sensitive == SensitiveClass::NONE) return false;
    if (allow_stub) {
        if (patch_irq_restore(d, va, pa)) return true;
        if (auto jump = stub_jump(d, va, pa)) {
            add_site(pa, {word, PatchKind::STUB, 8, 4, true}, *jump);
            ++applied_["1:n stub"];
            return true;
        }
    }
    if (allow_stub && tlb_write_before_eret(d, pa) && records_.size() < kMaxHypercalls) {
        add_site(pa, {word, PatchKind::HYPERCALL, 8, 0}, hypercall_for(d, pa, true));
        ++applied_["1:n tlb write and eret"];
        return true;
    }
    PatchKind kind;
    auto replacement = one_to_one(d, pa, kind);
    if (!replacement) return false;
    add_site(pa, {word, kind, 4, 0}, *replacement);
    ++applied_[std::string("1:1 ") + kPatchKindNames[size_t(kind)]];
    return true;
}

unsigned Patcher::scan(uint64_t pa, uint64_t end, bool allow_stub, std::optional<uint64_t> va_of_pa) {
    unsigned patched = 0;
    // A page at a time: its host memory and its scanned mark are looked up
    // once, not per word (a boot scans about 1.5 M words).
    for (uint64_t w = (pa + 3) & ~3ull; w + 4 <= end;) {
        const uint64_t page_end = std::min((w & ~0xfffull) + 4096, end & ~3ull);
        // Skip untouched (all-zero) pages whole: zero decodes as NOP.
        if ((w & 0xfff) == 0 && w + 4096 <= end && bus_.is_zero_page(w)) {
            w += 4096;
            continue;
        }
        const uint8_t* host = bus_.ram_ptr(w, page_end - w);
        if (!host) {  // not RAM (or not all of it): word by word
            if (const uint8_t* word = bus_.ram_ptr(w, 4)) scan_words(w, w + 4, word, pa, allow_stub, va_of_pa, patched);
            w += 4;
            continue;
        }
        scan_words(w, page_end, host, pa, allow_stub, va_of_pa, patched);
        w = page_end;
    }
    return patched;
}

// Words [w, end) of one page, at `host`: the page is marked scanned (with
// its contents' hash, before any patch lands) and each sensitive word patched.
void Patcher::scan_words(uint64_t w, uint64_t end, const uint8_t* host, uint64_t pa, bool allow_stub,
                         std::optional<uint64_t> va_of_pa, unsigned& patched) {
    const uint64_t page = bus_.ram_offset(w) >> 12;
    if (!scanned_pages_.count(page)) scanned_pages_[page] = page_hash(w);
    words_scanned_ += (end - w) / 4;
    for (; w < end; w += 4, host += 4) {
        uint32_t word;
        std::memcpy(&word, host, 4);
        if (!may_be_sensitive(word) || opcode_info(decode_opcode(word)).sensitive == SensitiveClass::NONE) continue;
        // kseg0 reaches the first 512 MiB; the rest only through xkphys.
        const uint64_t va = va_of_pa ? *va_of_pa + (w - pa)
                            : w < kCksegBytes ? kCkseg0Base + w : kXkphysCached | w;
        patched += patch(va, w, allow_stub);
    }
}

void Patcher::restore_originals(uint64_t pa, unsigned size, uint64_t& value) {
    auto* bytes = reinterpret_cast<uint8_t*>(&value);
    for (uint64_t w = pa & ~3ull; w < pa + size; w += 4) {
        if (!is_site(w)) continue;
        auto it = sites_.find(w);
        if (it == sites_.end()) continue;
        const auto* orig = reinterpret_cast<const uint8_t*>(&it->second.original);
        for (uint64_t b = std::max(w, pa); b < std::min(w + 4, pa + size); ++b) bytes[b - pa] = orig[b - w];
    }
}

void Patcher::forget_scanned(uint64_t pa, uint64_t end) {
    if (scanned_pages_.empty()) return;
    for (uint64_t page = pa & ~0xfffull; page < end; page += 4096)
        if (bus_.ram_ptr(page, 1)) scanned_pages_.erase(bus_.ram_offset(page) >> 12);
}

uint64_t Patcher::page_hash(uint64_t pa) const {
    const auto* host = reinterpret_cast<const char*>(bus_.ram_ptr(pa & ~0xfffull, 4096));
    return host ? std::hash<std::string_view>{}(std::string_view(host, 4096)) : 0;
}

void Patcher::recheck_scanned(uint64_t pa) {
    auto it = scanned_pages_.find(bus_.ram_offset(pa) >> 12);
    if (it != scanned_pages_.end() && it->second != page_hash(pa)) scanned_pages_.erase(it);
}

// The original words come back before the write lands, so a partial
// write merges with the original instruction, as it would on hardware.
// The pages written may now hold new code: a later scan may read them again.
void Patcher::guest_writes(uint64_t pa, uint64_t len) {
    forget_scanned(pa, pa + len);
    // A site depends on up to kMaxBefore bytes before it and kMaxSpan from it.
    const uint64_t first = pa >= kMaxSpan ? (pa & ~3ull) - kMaxSpan : 0;
    for (uint64_t w = first; w < pa + len + kMaxBefore; w += 4) {
        auto it = sites_.find(w);
        if (it != sites_.end() && w + it->second.span > pa && w - it->second.before < pa + len) remove_site(w);
    }
}

}  // namespace mipshv
