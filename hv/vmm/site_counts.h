#pragma once
// Exits counted by guest PC, touched at every trap. An open-addressing table
// (linear probing, a power-of-two size, a multiplicative hash) and not a
// std::unordered_map: with the thousands of sites of a real kernel, the
// map's modulo and its scattered nodes cost a cache miss or two per exit,
// which an exit microbenchmark with a handful of sites never sees. That
// was the host cost the study's trap-mode predictions lacked.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mipshv {

class SiteCounts {
public:
    // Bounded, like every table a guest can grow: sites beyond the first
    // max_sites distinct ones are not counted.
    explicit SiteCounts(size_t max_sites) : max_sites_(max_sites), slots_(kFirstSize) {}

    void count(uint64_t pc) {
        Slot& s = slot_for(pc);
        if (s.count) {
            ++s.count;
        } else if (used_ < max_sites_) {
            s = {pc, 1};
            if (++used_ * 2 > slots_.size()) grow();
        }
    }

    template <class Fn>
    void for_each(Fn&& fn) const {
        for (const Slot& s : slots_)
            if (s.count) fn(s.pc, s.count);
    }

    size_t size() const { return used_; }

private:
    static constexpr size_t kFirstSize = 1024;  // a power of two, as every size after it
    struct Slot {
        uint64_t pc = 0, count = 0;  // count 0: empty
    };

    // pc's slot, or the empty one where it goes. Fibonacci hashing of the
    // word address: the product's top bits index the table.
    Slot& slot_for(uint64_t pc) {
        const size_t mask = slots_.size() - 1;
        size_t k = size_t(((pc >> 2) * 0x9e3779b97f4a7c15ull) >> (64 - std::countr_zero(slots_.size())));
        while (slots_[k].count && slots_[k].pc != pc) k = (k + 1) & mask;
        return slots_[k];
    }

    void grow() {
        std::vector<Slot> old(slots_.size() * 2);
        old.swap(slots_);
        for (const Slot& s : old)
            if (s.count) slot_for(s.pc) = s;
    }

    size_t max_sites_, used_ = 0;
    std::vector<Slot> slots_;
};

}  // namespace mipshv
