// sequence_parallel_moves: the moves a loop's back edge makes to bring guest
// registers to the host registers the loop's head holds them in.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <numeric>
#include <random>

#include "hv/engine/jit/parallel_move.h"

using namespace mipshv::jit;

namespace {
// Runs `sequence` on registers holding 100 + their index (the scratch
// register -1 holding 0); returns the registers afterwards.
std::map<int, int> run(const std::vector<RegMove>& sequence, int registers) {
    std::map<int, int> r{{kScratch, 0}};
    for (int k = 0; k < registers; ++k) r[k] = 100 + k;
    for (const RegMove& m : sequence) r[m.to] = r[m.from];
    return r;
}
}  // namespace

TEST_CASE("parallel moves: every destination gets its source's old value, whatever the cycles", "[jit]") {
    std::mt19937 rng(7);
    constexpr int kRegisters = 10;
    for (int trial = 0; trial < 20000; ++trial) {
        // A random partial map: destinations distinct, sources anything else.
        std::vector<int> order(kRegisters);
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), rng);
        const int n = int(rng() % (kRegisters + 1));
        std::vector<RegMove> moves;
        std::vector<int> permutation = order;
        std::shuffle(permutation.begin(), permutation.end(), rng);
        for (int k = 0; k < n; ++k) {
            // Half the trials are permutations (all cycles), half arbitrary sources.
            int from = trial % 2 ? permutation[size_t(k)] : int(rng() % kRegisters);
            if (from == order[size_t(k)]) continue;
            moves.push_back({order[size_t(k)], from, (rng() & 1) != 0});
        }
        const std::vector<RegMove> sequence = sequence_parallel_moves(moves);
        const std::map<int, int> after = run(sequence, kRegisters);
        INFO("trial " << trial << ", " << moves.size() << " moves");
        std::map<int, int> want;
        for (int k = 0; k < kRegisters; ++k) want[k] = 100 + k;
        for (const RegMove& m : moves) want[m.to] = 100 + m.from;
        for (int k = 0; k < kRegisters; ++k) REQUIRE(after.at(k) == want[k]);
        // Each move once, plus one scratch copy per cycle at most; the low
        // word flag travels with the value.
        REQUIRE(sequence.size() <= 2 * moves.size());
        for (const RegMove& m : moves) {
            const auto it = std::find_if(sequence.begin(), sequence.end(), [&](const RegMove& s) { return s.to == m.to; });
            REQUIRE(it != sequence.end());
            REQUIRE(it->low32 == m.low32);
        }
    }
}
