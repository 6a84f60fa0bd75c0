// Deterministic mutation of protocol text for the codec's tests (a fuzzer's poor cousin that
// runs in CI): a few edits drawn from the bytes HTTP syntax cares about.
#pragma once

#include <cstddef>
#include <random>
#include <string>

namespace http::test {

inline constexpr char kAlphabet[] = "\r\n :;,-=\"%0123456789abcdefABCDEF/HTTP\t\x00\x7f\xff";

/// `s` after one to four random edits (replace, insert, erase, duplicate a run).
inline std::string mutate(std::string s, std::mt19937& rng) {
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !s.empty(); ++e) {
        const std::size_t pos = rng() % s.size();
        const char c = kAlphabet[rng() % (sizeof kAlphabet - 1)];
        switch (rng() % 4) {
            case 0: s[pos] = c; break;
            case 1: s.insert(s.begin() + static_cast<std::ptrdiff_t>(pos), c); break;
            case 2: s.erase(pos, 1); break;
            default: s.insert(pos, s.substr(pos, rng() % 16)); break;
        }
    }
    return s;
}

}  // namespace http::test
