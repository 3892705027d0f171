// Guest registers held in host registers inside one translated block.
// A guest register is loaded on first use and written back (if changed)
// before anything that leaves straight-line code: a routine call, a slow
// path, the block's exits. The state is a small value, so a slow path
// emitted out of line can take a copy of the state at its branch point.
#pragma once
#include <xbyak/xbyak.h>

#include <array>
#include <cstdint>

namespace mipshv::jit {

struct RegCache {
    // Host registers that hold guest registers: the caller-saved ones are
    // lost at every call, which writes back and forgets everything anyway.
    // (r15 holds instret in all translated code: see kInstret.)
    static inline const std::array<Xbyak::Reg64, 9> kHost = {
        Xbyak::util::rsi, Xbyak::util::rdi, Xbyak::util::r8,  Xbyak::util::r9,  Xbyak::util::r10,
        Xbyak::util::r11, Xbyak::util::rbp, Xbyak::util::r13, Xbyak::util::r14};
    static constexpr int kNone = -1;
    // A memo's value once a routine has run: odd, never the host address
    // of an access of 2 bytes or more, so no memo check passes.
    static constexpr int32_t kSpoiledMemo = 1;

    std::array<int8_t, 33> host_of;              // guest register -> index in kHost, or kNone
    std::array<int8_t, kHost.size()> guest_of;   // index in kHost -> guest register, or kNone
    std::array<bool, kHost.size()> dirty{};
    // The host register holds the guest value in its low 32 bits only (the
    // value is their sign extension, the upper half is stale): what 32-bit
    // operations leave, fixed by one movsxd when a full value is needed.
    std::array<bool, kHost.size()> low32{};
    // The host addresses of earlier loads or stores of the block, kept for
    // later accesses off the same guest base register (emit_mem; two, so
    // that a copy's source and destination each keep theirs): each held in a
    // callee-saved host register (host, or kNone), with the access's base,
    // displacement and size, and whether it was a store (a write hit, which
    // later stores may reuse too). Forgotten when the base is written.
    struct Memo {
        int8_t host = kNone;
        uint8_t base = 0, size = 0;
        bool store = false;
        int32_t disp = 0;
        // Offsets from the memo's address, [lo, hi), that its making checked
        // to lie in the memo's page (else the memo is spoiled): the accesses
        // the block makes through it later need no page check.
        int32_t lo = 0, hi = 0;
    };
    std::array<Memo, 2> memos{};
    uint8_t newest_memo = 0;  // the one made last (the other is given up first)

    RegCache() { clear(); }
    void clear() {
        host_of.fill(kNone);
        guest_of.fill(kNone);
        dirty.fill(false);
        low32.fill(false);
        for (Memo& m : memos) m.host = kNone;
    }
    bool holds_memo(int h) const { return memos[0].host == h || memos[1].host == h; }
    void forget_memo_in(int h) {
        for (Memo& m : memos)
            if (m.host == h) m.host = kNone;
    }
    void bind(unsigned guest, int h, bool is_dirty) {
        host_of[guest] = int8_t(h);
        guest_of[h] = int8_t(guest);
        dirty[h] = is_dirty;
        low32[h] = false;
    }
    void unbind(int h) {
        host_of[guest_of[h]] = kNone;
        guest_of[h] = kNone;
        dirty[h] = false;
        low32[h] = false;
    }
    bool is_low32(unsigned guest) const { return host_of[guest] != kNone && low32[size_t(host_of[guest])]; }
};

}  // namespace mipshv::jit
