#include "hv/dev/cps/gic.h"

#include <stdexcept>

namespace mipshv {

namespace {

static_assert(Gic::kSharedInterrupts % 32 == 0 && Gic::kSharedInterrupts <= 64,
              "the shared state is kept in 64-bit bitmaps, one 32-bit register word per 32 interrupts");
constexpr unsigned kWords = Gic::kSharedInterrupts / 32;
constexpr uint64_t kDefined = Gic::kSharedInterrupts == 64 ? ~0ull : (1ull << Gic::kSharedInterrupts) - 1;

// Sections of the window.
constexpr uint64_t kSharedEnd = 0x8000;
constexpr uint64_t kLocalBase = 0x8000;  // the accessing VP's registers
constexpr uint64_t kOtherBase = 0xc000;  // the registers of the VP named by its OTHER
constexpr uint64_t kLocalSize = 0x4000;
constexpr uint64_t kUserBase = 0x10000;  // the user-mappable counter page

// Shared section.
constexpr uint64_t kConfig = 0x000;
constexpr uint64_t kCounterLo = 0x010, kCounterHi = 0x014;
constexpr uint64_t kPol = 0x100, kTrig = 0x180, kDual = 0x200, kWedge = 0x280;
constexpr uint64_t kRmask = 0x300, kSmask = 0x380, kMask = 0x400, kPend = 0x480;
constexpr uint64_t kMapPin = 0x500;                       // + 4 * interrupt
constexpr uint64_t kMapVp = 0x2000, kMapVpStride = 0x20;  // word 0 holds VPs 0..31

constexpr uint32_t kConfigCountStop = 1u << 28;
constexpr uint32_t kConfigCountBits = 8u << 24;  // (8 * 4) + 32 = a 64-bit counter
constexpr uint32_t kWedgeSet = 1u << 31;
constexpr uint32_t kWedgeIntr = 0xff;
constexpr uint32_t kMapToPin = 1u << 31;
constexpr uint32_t kMapPinNumber = 0x3f;

// Local sections.
constexpr uint64_t kVxCtl = 0x000, kVxPend = 0x004, kVxMask = 0x008, kVxRmask = 0x00c, kVxSmask = 0x010;
constexpr uint64_t kVxWdMap = 0x040, kVxCompareMap = 0x044;
constexpr uint64_t kVxOther = 0x080, kVxIdent = 0x088;
constexpr uint64_t kVxCompareLo = 0x0a0, kVxCompareHi = 0x0a4;
constexpr uint32_t kLocalMaskBits = (1u << Gic::kLocalInterrupts) - 1;
constexpr uint32_t kVpNumber = 0x3f;

// Index of the 32-bit word of a bit-per-interrupt register at `base`, or -1.
int word_at(uint64_t off, uint64_t base) {
    return off >= base && off < base + 4 * kWords ? int((off - base) / 4) : -1;
}
uint32_t word_of(uint64_t bits, int w) { return uint32_t(bits >> (32 * w)); }
uint64_t bits_of(uint32_t value, int w) { return (uint64_t(value) << (32 * w)) & kDefined; }
uint64_t with_word(uint64_t bits, int w, uint32_t value) {
    return ((bits & ~(0xffffffffull << (32 * w))) | bits_of(value, w)) & kDefined;
}

}  // namespace

Gic::Gic(unsigned vps, std::function<void(unsigned, unsigned, bool)> set_pin, std::function<uint64_t()> counter)
    : vps_(vps), set_pin_(std::move(set_pin)), counter_(std::move(counter)) {
    if (vps < 1 || vps > kMaxVps) throw std::invalid_argument("GIC: VP count must be 1.." + std::to_string(kMaxVps));
    if (!set_pin_ || !counter_) throw std::invalid_argument("GIC: missing callback");
    routing_.assign(vps_, {});
    level_.assign(vps_, {});
    local_.assign(vps_, {});
    ipis_sent_.assign(vps_, 0);
    ipis_received_.assign(vps_, 0);
}

bool Gic::accepts(uint64_t offset, unsigned size) const {
    return offset < kWindowSize && aligned_access_of(4, offset, size);
}

bool Gic::pin_level(unsigned vp, unsigned pin) const {
    return vp < vps_ && pin < kPins && level_[vp][pin];
}

std::function<void(bool)> Gic::source(unsigned n) {
    if (n >= kFirstIpi) throw std::out_of_range("GIC: shared interrupt " + std::to_string(n) + " is in the IPI range");
    return [this, n](bool level) { set_input(n, level); };
}

uint64_t Gic::pending() const {
    // Level interrupts follow their input through the polarity; edge ones
    // show the latched edge.
    const uint64_t level_active = ~trig_ & ~(input_ ^ pol_);
    return (level_active | (trig_ & edge_)) & kDefined;
}

uint64_t Gic::counter_value() const {
    return count_stopped_ ? frozen_count_ : counter_() + uint64_t(count_offset_);
}

void Gic::set_input(unsigned n, bool level) {
    const uint64_t bit = 1ull << n;
    if (bool(input_ & bit) == level) return;
    input_ ^= bit;
    if (trig_ & bit) {
        const bool wanted = (dual_ & bit) || (bool(pol_ & bit) == level);  // rising for POL=1, falling for 0
        if (wanted) edge_ |= bit;
    }
    update_outputs();
}

void Gic::set_trig(uint64_t trig) {
    edge_ &= ~(trig_ ^ trig);  // a reconfigured interrupt starts without a latched edge
    trig_ = trig & kDefined;
    edge_ &= trig_;
}

void Gic::recompute_routing() {
    for (auto& r : routing_) r.fill(0);
    routed_any_ = 0;
    for (unsigned i = 0; i < kSharedInterrupts; ++i) {
        const uint32_t pin_map = map_pin_[i];
        const unsigned pin = pin_map & kMapPinNumber;
        if (!(pin_map & kMapToPin) || pin >= kPins) continue;
        for (unsigned vp = 0; vp < vps_; ++vp) {
            if (map_vp_[i] & (1u << vp)) {
                routing_[vp][pin] |= 1ull << i;
                routed_any_ |= 1ull << i;
            }
        }
    }
}

void Gic::update_outputs() {
    const uint64_t active = pending() & mask_ & routed_any_;
    for (uint64_t rising = active & ~active_; rising; rising &= rising - 1) ++delivered_[__builtin_ctzll(rising)];
    active_ = active;
    for (unsigned vp = 0; vp < vps_; ++vp) {
        for (unsigned pin = 0; pin < kPins; ++pin) {
            const bool level = (active & routing_[vp][pin]) != 0;
            if (level_[vp][pin] == level) continue;
            level_[vp][pin] = level;  // recorded first: the callback may look at the GIC again
            set_pin_(vp, pin, level);
        }
    }
}

void Gic::wedge(unsigned vcpu, uint32_t value) {
    const unsigned intr = value & kWedgeIntr;
    if (intr >= kSharedInterrupts) return;
    const uint64_t bit = 1ull << intr;
    if (!(trig_ & bit)) return;  // no edge detector on a level interrupt
    if (!(value & kWedgeSet)) {
        edge_ &= ~bit;
        return;
    }
    edge_ |= bit;
    if (intr >= kSharedInterrupts - 2 * vps_) {
        if (vcpu < vps_) ++ipis_sent_[vcpu];
        for (unsigned vp = 0; vp < vps_; ++vp)
            if (map_vp_[intr] & (1u << vp)) ++ipis_received_[vp];
    }
}

uint32_t Gic::read_shared(unsigned, uint64_t off) {
    if (off == kConfig) {
        return (count_stopped_ ? kConfigCountStop : 0) | kConfigCountBits |
               ((kSharedInterrupts / 8 - 1) << 16) | (vps_ - 1);
    }
    if (off == kCounterLo) return uint32_t(counter_value());
    if (off == kCounterHi) return uint32_t(counter_value() >> 32);
    if (int w = word_at(off, kPol); w >= 0) return word_of(pol_, w);
    if (int w = word_at(off, kTrig); w >= 0) return word_of(trig_, w);
    if (int w = word_at(off, kDual); w >= 0) return word_of(dual_, w);
    if (int w = word_at(off, kMask); w >= 0) return word_of(mask_, w);
    if (int w = word_at(off, kPend); w >= 0) return word_of(pending(), w);
    if (off >= kMapPin && off < kMapPin + 4 * kSharedInterrupts) return map_pin_[(off - kMapPin) / 4];
    if (off >= kMapVp && off < kMapVp + kMapVpStride * kSharedInterrupts && (off - kMapVp) % kMapVpStride == 0)
        return map_vp_[(off - kMapVp) / kMapVpStride];
    return 0;  // WEDGE, RMASK, SMASK (write-only) and reserved offsets
}

void Gic::write_shared(unsigned vcpu, uint64_t off, uint32_t value) {
    if (off == kConfig) {
        const bool stop = value & kConfigCountStop;
        if (stop && !count_stopped_) {
            frozen_count_ = counter_value();
        } else if (!stop && count_stopped_) {
            count_offset_ = int64_t(frozen_count_ - counter_());
        }
        count_stopped_ = stop;
        return;
    }
    if (off == kCounterLo || off == kCounterHi) {
        // The counter can be set only while it is stopped.
        if (!count_stopped_) return;
        frozen_count_ = off == kCounterLo ? (frozen_count_ & ~0xffffffffull) | value
                                          : (frozen_count_ & 0xffffffffull) | (uint64_t(value) << 32);
        return;
    }
    if (int w = word_at(off, kPol); w >= 0) {
        pol_ = with_word(pol_, w, value);
    } else if (int w = word_at(off, kTrig); w >= 0) {
        set_trig(with_word(trig_, w, value));
    } else if (int w = word_at(off, kDual); w >= 0) {
        dual_ = with_word(dual_, w, value);
    } else if (off == kWedge) {
        wedge(vcpu, value);
    } else if (int w = word_at(off, kRmask); w >= 0) {
        mask_ &= ~bits_of(value, w);
    } else if (int w = word_at(off, kSmask); w >= 0) {
        mask_ |= bits_of(value, w);
    } else if (off >= kMapPin && off < kMapPin + 4 * kSharedInterrupts) {
        map_pin_[(off - kMapPin) / 4] = value & (kMapToPin | kMapPinNumber);
        recompute_routing();
    } else if (off >= kMapVp && off < kMapVp + kMapVpStride * kSharedInterrupts &&
               (off - kMapVp) % kMapVpStride == 0) {
        map_vp_[(off - kMapVp) / kMapVpStride] = value & ((1u << vps_) - 1);
        recompute_routing();
    } else {
        return;  // MASK, PEND (read-only) and reserved offsets
    }
    update_outputs();
}

uint32_t Gic::read_local(unsigned vp, uint64_t off) const {
    if (vp >= vps_) return 0;
    const LocalState& l = local_[vp];
    switch (off) {
    case kVxCtl: return 0;   // nothing routable, no EIC
    case kVxPend: return 0;  // no local interrupt source is modelled
    case kVxMask: return l.mask;
    case kVxWdMap: return l.map[0];
    case kVxCompareMap: return l.map[1];
    case kVxOther: return l.other;
    case kVxIdent: return vp;
    case kVxCompareLo: return uint32_t(l.compare);
    case kVxCompareHi: return uint32_t(l.compare >> 32);
    default: return 0;
    }
}

void Gic::write_local(unsigned vp, uint64_t off, uint32_t value) {
    if (vp >= vps_) return;
    LocalState& l = local_[vp];
    switch (off) {
    case kVxRmask: l.mask &= ~(value & kLocalMaskBits); break;
    case kVxSmask: l.mask |= value & kLocalMaskBits; break;
    case kVxWdMap: l.map[0] = value & (kMapToPin | kMapPinNumber); break;
    case kVxCompareMap: l.map[1] = value & (kMapToPin | kMapPinNumber); break;
    case kVxOther: l.other = value & kVpNumber; break;
    case kVxCompareLo: l.compare = (l.compare & ~0xffffffffull) | value; break;
    case kVxCompareHi: l.compare = (l.compare & 0xffffffffull) | (uint64_t(value) << 32); break;
    default: break;  // CTL (nothing writable offered), PEND, MASK, IDENT, reserved
    }
}

uint64_t Gic::on_read(unsigned vcpu, uint64_t offset, unsigned) {
    if (offset < kSharedEnd) return read_shared(vcpu, offset);
    if (offset < kLocalBase + kLocalSize) return read_local(vcpu, offset - kLocalBase);
    if (offset < kOtherBase + kLocalSize) {
        if (vcpu >= vps_) return 0;
        const unsigned other = local_[vcpu].other;
        return read_local(other, offset - kOtherBase);
    }
    if (offset == kUserBase) return uint32_t(counter_value());
    if (offset == kUserBase + 4) return uint32_t(counter_value() >> 32);
    return 0;
}

void Gic::on_write(unsigned vcpu, uint64_t offset, unsigned, uint64_t value) {
    const uint32_t v = uint32_t(value);
    if (offset < kSharedEnd) {
        write_shared(vcpu, offset, v);
    } else if (offset < kLocalBase + kLocalSize) {
        write_local(vcpu, offset - kLocalBase, v);
    } else if (offset < kOtherBase + kLocalSize) {
        if (vcpu < vps_) write_local(local_[vcpu].other, offset - kOtherBase, v);
    }
    // The user page is read-only.
}

}  // namespace mipshv
