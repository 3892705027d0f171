// What the translator keeps from block to block: its labels, the jumps
// waiting for a label to be placed, and the cold paths to emit after the
// straight path. A block makes dozens of each. Xbyak's own labels keep
// hash maps per label and std::function allocates for any capture beyond
// 16 bytes (a cold path's register-cache state is about 100), so per
// block they cost a heap allocation apiece: in a Linux boot, where
// translation is a quarter of the time, more than the encoding itself.
// Here a block's labels and cold paths take storage that stays allocated.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "hv/engine/jit/routine_call.h"

namespace mipshv::jit {

// A place in a block's code that jumps may name before it is placed
// (Translator::L): its offset once placed, and the newest of the jumps to
// it still to patch (an index into Scratch::fixups), each naming the one
// before.
struct Label {
    static constexpr int32_t kNone = -1;
    int32_t at = kNone;
    int32_t pending = kNone;
};

// A forward jump's displacement field, patched when its label is placed.
struct Fixup {
    uint32_t field;  // offset of the displacement in the block's code
    uint8_t bytes;   // 1 (a short jump) or 4
    int32_t before;  // the previous jump waiting for the same label, or kNone
};

// A piece of code emitted out of line after the straight path (a slow
// path, an exit): where it starts and the emitter that writes it, kept in
// place, so it needs no allocation of its own.
class ColdPath {
public:
    static constexpr size_t kCapacity = 256;

    template <typename Fn>
    ColdPath(Label* at, Fn&& fn) : at(at) {
        using F = std::decay_t<Fn>;
        static_assert(sizeof(F) <= kCapacity && alignof(F) <= alignof(std::max_align_t),
                      "a cold path's captures outgrew ColdPath::kCapacity");
        new (store_) F(std::forward<Fn>(fn));
        call_ = [](void* f) { (*static_cast<F*>(f))(); };
        relocate_ = [](void* to, void* from) {
            new (to) F(std::move(*static_cast<F*>(from)));
            static_cast<F*>(from)->~F();
        };
        destroy_ = [](void* f) { static_cast<F*>(f)->~F(); };
    }
    // (The one moved from is left empty: emit_cold_paths runs each path
    // from a move of it, and later paths may move the vector's elements.)
    ColdPath(ColdPath&& o) noexcept : at(o.at), call_(o.call_), relocate_(o.relocate_), destroy_(o.destroy_) {
        if (destroy_) relocate_(store_, o.store_);
        o.destroy_ = nullptr;
    }
    ColdPath(const ColdPath&) = delete;
    ColdPath& operator=(const ColdPath&) = delete;
    ColdPath& operator=(ColdPath&&) = delete;
    ~ColdPath() {
        if (destroy_) destroy_(store_);
    }

    void operator()() { call_(store_); }

    Label* at;

private:
    alignas(std::max_align_t) unsigned char store_[kCapacity];
    void (*call_)(void*);
    void (*relocate_)(void* to, void* from);  // move-constructs at `to`, then destroys `from`
    void (*destroy_)(void*);
};

// Labels whose addresses hold for the whole block (cold paths keep
// pointers to them): chunks that are kept, handed out again from the
// first for each block.
class LabelPool {
public:
    Label& make() {
        if (used_ == chunks_.size() * kChunk) chunks_.push_back(std::make_unique<Label[]>(kChunk));
        Label& l = chunks_[used_ / kChunk][used_ % kChunk];
        ++used_;
        l = Label{};
        return l;
    }
    void reset() { used_ = 0; }

private:
    static constexpr size_t kChunk = 256;
    std::vector<std::unique_ptr<Label[]>> chunks_;
    size_t used_ = 0;
};

// An out-of-line routine call of the block: the offset of the immediate
// that is to point at its RoutineCall, written after the block's code
// (Translator::write_routine_calls).
struct PendingRoutineCall {
    size_t field = 0;
    RoutineCall call;
};
struct Scratch {
    LabelPool labels;
    std::vector<Fixup> fixups;
    std::vector<ColdPath> cold;
    std::vector<PendingRoutineCall> routine_calls;
    size_t unplaced = 0;  // jumps whose label was never placed (a translator bug)

    void reset() {
        labels.reset();
        fixups.clear();
        cold.clear();
        routine_calls.clear();
        unplaced = 0;
    }
};

}  // namespace mipshv::jit
