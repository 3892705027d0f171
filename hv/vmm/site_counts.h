#pragma once
// Exits counted by guest PC, touched at every trap. An open-addressing table
// (linear probing, a power-of-two size, a multiplicative hash) and not a
// std::unordered_map: with the thousands of sites of a real kernel, the
// map's modulo and its scattered nodes cost a cache miss or two per exit,
// which an exit microbenchmark with a handful of sites never sees. That
// was the host cost the study's trap-mode predictions lacked.
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
        for (size_t k = slot_of(pc);; k = (k + 1) & (slots_.size() - 1)) {
            Slot& s = slots_[k];
            if (s.count && s.pc == pc) {
                ++s.count;
                return;
            }
            if (!s.count) {
                if (used_ == max_sites_) return;
                s = {pc, 1};
                if (++used_ * 2 > slots_.size()) grow();
                return;
            }
        }
    }

    template <class Fn>
    void for_each(Fn&& fn) const {
        for (const Slot& s : slots_)
            if (s.count) fn(s.pc, s.count);
    }

    size_t size() const { return used_; }

private:
    static constexpr size_t kFirstSize = 1024;
    struct Slot {
        uint64_t pc = 0, count = 0;  // count 0: empty
    };

    size_t slot_of(uint64_t pc) const {
        // Fibonacci hashing of the word address; the top bits index the table.
        return size_t(((pc >> 2) * 0x9e3779b97f4a7c15ull) >> (64 - bits_));
    }

    void grow() {
        std::vector<Slot> old(slots_.size() * 2);
        old.swap(slots_);
        ++bits_;
        for (const Slot& s : old)
            if (s.count)
                for (size_t k = slot_of(s.pc);; k = (k + 1) & (slots_.size() - 1))
                    if (!slots_[k].count) {
                        slots_[k] = s;
                        break;
                    }
    }

    size_t max_sites_, used_ = 0;
    unsigned bits_ = 10;  // log2 of the table's size
    static_assert(kFirstSize == 1u << 10);
    std::vector<Slot> slots_;
};

}  // namespace mipshv
