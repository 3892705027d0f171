// The translator's reused storage (scratch.h): cold paths run once each and
// free what they hold exactly once, however the vector moves them while
// they run; labels hand out stable, fresh slots block after block.
#include <catch2/catch.hpp>

#include <array>
#include <functional>
#include <memory>
#include <set>

#include "hv/engine/jit/scratch.h"

using namespace mipshv::jit;

TEST_CASE("cold paths: each runs once and is freed once while running ones add more", "[jit]") {
    Scratch s;
    // Each path holds a shared_ptr (its use count shows copies and frees)
    // and a std::function (owns heap memory: a double free would abort).
    auto alive = std::make_shared<int>(0);
    for (int block = 0; block < 3; ++block) {
        s.reset();
        int runs = 0;
        for (int k = 0; k < 5; ++k) {
            const std::function<int(int)> fn = [big = std::array<long, 8>{}, k](int x) { return x + k + int(big[0]); };
            // Captured from a const reference, as access_from_memo's is: a
            // const member, so moving the path copies it, and the source
            // still owns heap memory until destroyed.
            const std::function<int(int)>& f = fn;
            s.cold.emplace_back(&s.labels.make(), [alive, f, &runs, &s] {
                ++runs;
                // A path that adds paths while it runs, as emit_cold_paths allows:
                // the vector grows and moves every element, run ones included.
                if (s.cold.size() < 40)
                    for (int n = 0; n < 4; ++n) s.cold.emplace_back(&s.labels.make(), [alive, f, &runs] { runs += 1 + f(0) * 0; });
            });
        }
        CHECK(alive.use_count() == 1 + 5);
        for (size_t k = 0; k < s.cold.size(); ++k) {
            ColdPath body = std::move(s.cold[k]);
            body();
        }
        CHECK(s.cold.size() > 20);
        CHECK(runs == int(s.cold.size()));  // each once
        CHECK(alive.use_count() == 1);      // each freed: the vector holds emptied paths only
    }
    s.reset();
    CHECK(alive.use_count() == 1);
}

TEST_CASE("label pool: fresh labels, distinct and stable while the block grows", "[jit]") {
    LabelPool pool;
    for (int block = 0; block < 2; ++block) {
        pool.reset();
        std::set<Label*> seen;
        Label& first = pool.make();
        first.at = 7;
        for (int k = 0; k < 1000; ++k) {
            Label& l = pool.make();
            CHECK(l.at == Label::kNone);
            CHECK(l.pending == Label::kNone);
            CHECK(seen.insert(&l).second);
        }
        CHECK(first.at == 7);  // not moved nor reset by the growth
    }
}
