// Runs a libFuzzer target without libFuzzer (g++ builds, CI): every seed file given on the
// command line, then a bounded number of deterministic mutations of each (byte flips,
// truncations, splices), so the targets' crash-freedom is checked on every test run. The
// mutations are a fixed budget spread over the seeds, so that a corpus grown by scripts/fuzz
// keeps the run's time bounded.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::uint8_t> slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void run(const std::vector<std::uint8_t>& v) { LLVMFuzzerTestOneInput(v.data(), v.size()); }

}  // namespace

int main(int argc, char** argv) {
    constexpr std::size_t kMutationBudget = 400000;
    constexpr std::size_t kMinMutationsPerSeed = 64;
    constexpr std::size_t kMaxMutationsPerSeed = 20000;
    std::vector<std::filesystem::path> files;
    for (int i = 1; i < argc; ++i) {
        std::filesystem::path p(argv[i]);
        if (std::filesystem::is_directory(p)) {
            for (const auto& e : std::filesystem::recursive_directory_iterator(p))
                if (e.is_regular_file()) files.push_back(e.path());
        } else {
            files.push_back(p);
        }
    }
    std::sort(files.begin(), files.end());  // the same mutations on every run
    std::vector<std::vector<std::uint8_t>> seeds;
    for (const auto& f : files) seeds.push_back(slurp(f));
    seeds.emplace_back();  // the empty input
    const std::size_t per_seed = std::clamp(kMutationBudget / seeds.size(), kMinMutationsPerSeed, kMaxMutationsPerSeed);
    std::mt19937 rng(12345);
    for (const auto& s : seeds) {
        run(s);
        for (std::size_t m = 0; m < per_seed; ++m) {
            auto v = s;
            switch (rng() % 4) {
                case 0:  // flip a few bytes
                    for (int k = 0, n = 1 + static_cast<int>(rng() % 4); k < n && !v.empty(); ++k)
                        v[rng() % v.size()] = static_cast<std::uint8_t>(rng());
                    break;
                case 1:  // truncate
                    if (!v.empty()) v.resize(rng() % v.size());
                    break;
                case 2: {  // splice another seed's tail
                    const auto& o = seeds[rng() % seeds.size()];
                    if (!o.empty())
                        v.insert(v.begin() + static_cast<long>(v.empty() ? 0 : rng() % v.size()),
                                 o.begin() + static_cast<long>(rng() % o.size()), o.end());
                    break;
                }
                default:  // insert random bytes
                    for (int k = 0, n = 1 + static_cast<int>(rng() % 8); k < n; ++k)
                        v.insert(v.begin() + static_cast<long>(v.empty() ? 0 : rng() % v.size()),
                                 static_cast<std::uint8_t>(rng()));
            }
            run(v);
        }
    }
    std::printf("replayed %zu seeds x %zu mutations\n", seeds.size(), per_seed);
    return 0;
}
