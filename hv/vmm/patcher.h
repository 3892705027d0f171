// Replaces sensitive instructions in guest memory: one instruction by one
// (a load/store on the communication page, a NOP, or a hypercall), or by a
// jump to a stub of unprivileged instructions in the hypervisor's region.
// Patches are invisible: data reads see the original words, and a guest
// write over a patch (or over the instruction a stub replays) drops it.
#pragma once
#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "hv/board/bus.h"
#include "hv/cpu/insn.h"

namespace mipshv {


enum class PatchKind : uint8_t { LOAD, STORE, NOP, HYPERCALL, STUB };
inline constexpr const char* kPatchKindNames[] = {"load", "store", "nop", "hypercall", "stub"};

class Patcher final : public PatchOverlay {
public:
    // Hypercalls are `syscall` instructions at sites the patcher registered,
    // each naming the pre-decoded emulation record of its original.
    Patcher(Bus& bus, uint64_t stubs_pa, uint64_t stubs_end_pa);
    // End of the stub code written so far (stubs start at the constructor's stubs_pa).
    uint64_t stubs_end() const { return stubs_next_; }

    // Patches the sensitive instruction at guest address va (physical pa).
    // `allow_stub`: try 1:n first. Returns false when nothing was done.
    bool patch(uint64_t va, uint64_t pa, bool allow_stub);

    // Eager strategies: patch every sensitive word in [pa, end), which runs
    // at `va` (of pa) when given, else from kseg0 (as most of Linux does).
    // Pages with content are marked scanned.
    unsigned scan(uint64_t pa, uint64_t end, bool allow_stub, std::optional<uint64_t> va = std::nullopt);
    // The page holding pa was scanned with content, and no write the bus
    // sees (slow-path stores: code and patched pages; DMA) changed it since.
    bool scanned(uint64_t pa) const { return scanned_pages_.count(bus_.ram_offset(pa) >> 12) != 0; }
    void forget_scanned(uint64_t pa, uint64_t end);
    // Fast-path stores change pages unseen: compares the page holding pa
    // with its contents when scanned, and forgets the scan if they differ.
    void recheck_scanned(uint64_t pa);

    // The emulation record of the hypercall at pa, if pa holds one.
    const Insn* hypercall_at(uint64_t pa) const;
    // The record a hypercall instruction names (its syscall code), by index,
    // while its site is still patched: no lookup by address. Its index, for
    // counting by site, in `index`.
    const Insn* record_named(uint32_t word, uint32_t& index) const {
        index = (word >> 6) & 0xfffff;
        return (word & 0xfc00003f) == 0x0000000c && index < records_.size() && records_[index].live ? &records_[index].insn : nullptr;
    }
    // The record's original is a TLB write followed by ERET, which its
    // hypercall may do too (Hypervisor::eret_after).
    bool eret_follows(uint32_t index) const { return records_[index].eret_follows; }
    size_t records() const { return records_.size(); }
    const Insn& record(uint32_t index) const { return records_.at(index).insn; }
    // False when pa is neither a site, nor the slot of a stub jump, nor in
    // the stubs (whose hypercalls are not sites): the page holding pa has
    // no site's span on it and is not stub code. One bit and a compare, no
    // lookup: block building asks it of nearly every instruction.
    bool near_a_site(uint64_t pa) const {
        return bus_.is_patched_page(pa) || (pa >= stubs_begin_ && pa < stubs_next_);
    }
    // Whether the word at pa is a site: one bit per word of each page with
    // sites. Block building asks it of every word of a patched page, page
    // after page, so the last page's bits are kept at hand; the sites table
    // is then looked up for sites only.
    bool is_site(uint64_t pa) const {
        if ((pa >> 12) != cached_page_) {
            const auto it = site_words_.find(pa >> 12);
            cached_page_ = pa >> 12;
            cached_words_ = it == site_words_.end() ? nullptr : &it->second;
        }
        return cached_words_ && cached_words_->test((pa >> 2) & 1023);
    }
    // The instruction at pa is the delay slot of a stub jump (annulled there:
    // it runs when the stub returns to it).
    bool runs_early(uint64_t pa) const {
        if (!is_site(pa - 4)) return false;
        auto it = sites_.find(pa - 4);
        return it != sites_.end() && it->second.early_slot;
    }
    std::optional<uint32_t> original_at(uint64_t pa) const {
        if (!is_site(pa)) return std::nullopt;
        auto it = sites_.find(pa);
        return it == sites_.end() ? std::nullopt : std::optional<uint32_t>(it->second.original);
    }

    void restore_originals(uint64_t pa, unsigned size, uint64_t& value) override;
    void guest_writes(uint64_t pa, uint64_t len) override;

    // Patches applied so far, by strategy ("1:1", "1:n") and kind; dropped.
    const std::unordered_map<std::string, uint64_t>& applied() const { return applied_; }
    uint64_t dropped() const { return dropped_; }
    uint64_t words_scanned() const { return words_scanned_; }

private:
    struct Site {
        uint32_t original;
        PatchKind kind;
        uint8_t span;               // bytes of guest code from pa the patch depends on
        uint8_t before = 0;         // ... and before pa (a stub jump must not become a delay slot)
        bool early_slot = false;    // a stub jump whose delay slot is annulled
        uint64_t group = 0;         // first site of a multi-word patch (0: none)
    };
    std::optional<uint32_t> one_to_one(const Insn& d, uint64_t pa, PatchKind& kind);
    std::optional<uint32_t> stub_jump(const Insn& d, uint64_t va, uint64_t pa);
    bool patch_irq_restore(const Insn& d, uint64_t va, uint64_t pa);
    std::optional<uint64_t> emit_stub(const std::vector<uint32_t>& code, uint64_t site_va);
    uint32_t hypercall_for(const Insn& d, uint64_t pa, bool eret_follows = false);
    bool tlb_write_before_eret(const Insn& d, uint64_t pa) const;
    void add_site(uint64_t pa, Site site, uint32_t replacement);
    void remove_site(uint64_t pa);
    void remove_one(uint64_t pa);
    uint64_t page_hash(uint64_t pa) const;  // of the RAM page holding pa
    void scan_words(uint64_t w, uint64_t end, const uint8_t* host, uint64_t pa, bool allow_stub,
                    std::optional<uint64_t> va_of_pa, unsigned& patched);

    static constexpr uint64_t kMaxSpan = 8, kMaxBefore = 4;
    Bus& bus_;
    uint64_t stubs_begin_, stubs_next_, stubs_end_;
    std::unordered_map<uint64_t, Site> sites_;
    std::unordered_map<uint64_t, std::bitset<1024>> site_words_;  // page -> its words that are sites
    mutable uint64_t cached_page_ = ~0ull;                        // (see is_site)
    mutable const std::bitset<1024>* cached_words_ = nullptr;
    std::unordered_map<uint64_t, uint32_t> sites_per_page_;  // page -> sites whose span touches it
    std::unordered_map<uint64_t, uint32_t> hypercall_sites_;  // pa -> record index
    // A pre-decoded original, and whether its site is still patched: in one
    // cache line, which is all of the patcher a hypercall reads (a refill
    // takes two, in workloads that keep the caches cold).
    struct Record {
        alignas(64) Insn insn;
        bool live = true;
        bool eret_follows = false;
    };
    std::vector<Record> records_;
    std::unordered_map<std::string, uint64_t> applied_;
    std::unordered_map<uint64_t, uint64_t> scanned_pages_;  // RAM page (Bus::ram_offset) -> content hash
    uint64_t dropped_ = 0, words_scanned_ = 0;
};

}  // namespace mipshv
