// Moves between registers that all happen "at once" (each destination gets
// the value its source held before any move), as a sequence of plain moves:
// a move waits while its destination is still to be read; a cycle is broken
// through one scratch register. Pure, so it is tested on its own.
#pragma once
#include <cstddef>
#include <vector>

namespace mipshv::jit {

struct RegMove {
    int to, from;  // register indices; kScratch names the scratch register
    bool low32;    // the source holds its value in its low 32 bits only (see RegCache)
};
inline constexpr int kScratch = -1;

// `moves`: distinct destinations, no move from a register to itself.
inline std::vector<RegMove> sequence_parallel_moves(std::vector<RegMove> moves) {
    std::vector<RegMove> out;
    while (!moves.empty()) {
        size_t pick = moves.size();
        for (size_t m = 0; m < moves.size() && pick == moves.size(); ++m) {
            bool read_later = false;
            for (const RegMove& other : moves) read_later |= other.from == moves[m].to;
            if (!read_later) pick = m;
        }
        if (pick == moves.size()) {
            // Every destination is still to be read: a cycle. The first
            // destination's value goes to the scratch register, and is read
            // from there.
            const int saved = moves[0].to;
            out.push_back({kScratch, saved, false});  // (whole: its readers extend it as they would have)
            for (RegMove& other : moves)
                if (other.from == saved) other.from = kScratch;
            continue;
        }
        out.push_back(moves[pick]);
        moves.erase(moves.begin() + std::ptrdiff_t(pick));
    }
    return out;
}

}  // namespace mipshv::jit
