// Lookups of and links to blocks reached through TLB-mapped pages are
// validated by an epoch per virtual page, hashed into kPageEpochs: a
// replaced TLB entry moves on only its own pages' epochs (all of them for a
// huge page), an ASID change those of pages where code was found through a
// non-global entry, a Status change or another vCPU's turn all of them, a
// dropped block its own. Blocks in kseg0 and kseg1 need only a code epoch
// per page, hashed alike, which only a block dropped there moves on: no TLB
// entry maps them. (The run loop's lookups keep these epochs in BlockCache,
// translated code in jit::Context.)
#pragma once
#include <cstdint>

#include "hv/cpu/tlb.h"

namespace mipshv {

constexpr unsigned kPageEpochs = 256;
inline unsigned page_epoch_index(uint64_t va) { return unsigned(va >> 12) & (kPageEpochs - 1); }

// Calls fn(index) for the page epochs of the pages a TLB entry with this
// VPN2 mask and VPN2 maps; false (and no call) if that would be all of them.
template <typename Fn>
bool for_each_page_epoch(uint64_t mask, uint64_t vpn2, Fn fn) {
    const uint64_t pages = tlb_pages_of(mask);
    if (pages >= kPageEpochs) return false;
    for (uint64_t k = 0; k < pages; ++k) fn(page_epoch_index(vpn2 | (k << 12)));
    return true;
}

// A block at virtual address vpc was dropped: every lookup of it and link
// to it goes, by the code epoch and its own page's epochs of both kinds (a
// link's kind follows how it was made). One rule for the run loop's copy of
// the epochs and translated code's.
template <typename Epochs>
void forget_dropped_block(uint64_t& code_epoch, Epochs& code_epochs, Epochs& page_epochs, uint64_t vpc) {
    ++code_epoch;
    ++code_epochs[page_epoch_index(vpc)];
    ++page_epochs[page_epoch_index(vpc)];
}

}  // namespace mipshv
