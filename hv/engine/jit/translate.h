// The x86-64 backend: translates one block, for one MMU mode, into host
// code written through xbyak. Instructions whose decision is RUN and whose
// semantics have a native form here are emitted inline (integer ALU,
// shifts, HI/LO, loads and stores with the software-TLB hit path inline,
// branches and jumps); every other instruction calls the routine its
// decision names, exactly as the interpreter does.
//
// Register use inside translated code: rbx = the vCPU (Cpu*), r12 = the
// jit::Context, rax/rcx/rdx scratch; the other ten hold guest registers
// inside a block (reg_cache.h).
#pragma once
#include <cstddef>
#include <cstdint>

#include "hv/engine/block.h"

namespace mipshv {
struct Cpu;
}

namespace mipshv::jit {

struct Context;
struct Scratch;

// Code shared by every block, emitted once at the start of the cache.
struct Runtime {
    const void* epilogue = nullptr;  // return to the run loop, eax = Exit
    const void* indirect_miss = nullptr;  // a computed target not in the indirect table
    const void* routine_call = nullptr;   // rax = a RoutineCall (routine_call.h); returns its result in al
    const void* ram_access = nullptr;     // ram_access_for(rax, edx, ecx): the host address in rax, or 0
};

// A chaining slot whose link needs only the code epoch (see
// link_survives_map_changes) is a direct `jmp rel32` in the block's code:
// linking rewrites its target (through the cache's writable view), and
// unlinking, when the target block is dropped, points it back at `miss`.
struct DirectSite {
    // Executable address just past the jump (a jmp, or the jcc of a
    // conditional exit): its last 4 bytes are the rel32 that linking rewrites.
    uint8_t* end = nullptr;
    const void* miss = nullptr;  // where it jumps while unlinked
};

struct Request {
    Block& block;
    unsigned mode;         // MMU mode the code is for
    const Cpu& cpu;        // for field offsets and the clock rate only
    uint32_t slot_taken;   // chaining slots this block may use
    uint32_t slot_fall;
    Runtime runtime;
    ptrdiff_t exec_delta;  // executable address - written address (code_cache.h)
    DirectSite* direct;    // out: [0] for slot_taken, [1] for slot_fall, if direct
    Scratch* scratch;      // the translator's storage, kept from block to block (scratch.h)
};

// Worst case for one block: kMaxBlockInsns instructions plus a delay slot.
constexpr size_t kMaxBlockCodeBytes = 32 * 1024;

// Writes the block's code at `buf` (at most `capacity` bytes); returns the
// bytes written and sets `out` (executable addresses).
size_t translate(const Request& r, uint8_t* buf, size_t capacity, Block::HostCode& out);

// Writes the shared code (entry trampoline, epilogue, indirect miss) at
// `buf`; returns the bytes written. `enter` is then callable as
//   uint32_t enter(Cpu*, Context*, const void* code).
size_t emit_runtime(const Cpu& cpu, uint8_t* buf, size_t capacity, ptrdiff_t exec_delta, Runtime& rt,
                    const void*& enter);

}  // namespace mipshv::jit
