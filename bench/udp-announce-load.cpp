// udp-announce-load: a bounded BEP 15 load generator for tracker benchmarks.
//
//   udp-announce-load --port P --hashes FILE [--host 127.0.0.1] [--threads 2] [--window 64]
//                     (--seconds S | --fill K) [--numwant N]
//
// Each thread owns one socket: it obtains a connection id, then keeps `window` announces in
// flight (a new one as each reply arrives). --seconds S: random info_hash from FILE (one hex
// hash per line, the tracker's whitelist), random port, for S seconds; prints announces/s.
// --fill K: every torrent of FILE gets K peers (ports 1..K), each announce retried until
// answered; used to load a million peers for the memory figure. Every wait is bounded.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint64_t kProtocolId = 0x41727101980ULL;

struct Options {
    std::string host = "127.0.0.1";
    int port = 0;
    std::string hashes;
    unsigned threads = 2;
    unsigned window = 64;
    double seconds = 0;
    unsigned fill = 0;
    int numwant = -1;
};

void put32(std::uint8_t* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}
void put64(std::uint8_t* p, std::uint64_t v) {
    put32(p, static_cast<std::uint32_t>(v >> 32));
    put32(p + 4, static_cast<std::uint32_t>(v));
}
std::uint32_t get32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

std::vector<std::array<std::uint8_t, 20>> load_hashes(const std::string& path) {
    std::vector<std::array<std::uint8_t, 20>> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.size() < 40) continue;
        std::array<std::uint8_t, 20> h{};
        for (int i = 0; i < 20; ++i) h[i] = static_cast<std::uint8_t>(std::stoul(line.substr(2 * i, 2), nullptr, 16));
        out.push_back(h);
    }
    return out;
}

struct Totals {
    std::atomic<std::uint64_t> replies{0}, errors{0}, timeouts{0};
};

class Worker {
public:
    Worker(const Options& o, const std::vector<std::array<std::uint8_t, 20>>& hashes, unsigned index, Totals& totals)
        : o_(o), hashes_(hashes), index_(index), totals_(totals), rng_(0x9e3779b9u * (index + 1)) {}

    bool open() {
        fd_ = socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(static_cast<std::uint16_t>(o_.port));
        if (fd_ < 0 || inet_pton(AF_INET, o_.host.c_str(), &sa.sin_addr) != 1 ||
            ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
            return false;
        }
        timeval tv{0, 200000};  // every receive waits at most 200 ms
        setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        int buf = 4 << 20;
        setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
        return true;
    }

    // Obtains a connection id; up to 10 tries.
    bool handshake() {
        for (int attempt = 0; attempt < 10; ++attempt) {
            std::uint8_t req[16], rep[64];
            put64(req, kProtocolId);
            put32(req + 8, 0);
            put32(req + 12, 0xc0000000u | static_cast<std::uint32_t>(attempt));
            if (send(fd_, req, sizeof req, 0) != sizeof req) continue;
            for (int i = 0; i < 5; ++i) {
                ssize_t n = recv(fd_, rep, sizeof rep, 0);
                if (n < 0) break;
                if (n >= 16 && get32(rep) == 0 && get32(rep + 4) == get32(req + 12)) {
                    cid_ = 0;
                    for (int b = 8; b < 16; ++b) cid_ = (cid_ << 8) | rep[b];
                    connected_at_ = Clock::now();
                    return true;
                }
            }
        }
        return false;
    }

    // Fills slot `s` with the next announce (random mode) or the next (torrent, port) pair.
    bool next(unsigned s) {
        Slot& slot = slots_[s];
        std::uint32_t t;
        std::uint16_t port;
        std::uint64_t left;
        if (o_.fill) {
            if (fill_pos_ >= fill_end_) return false;
            t = static_cast<std::uint32_t>(fill_pos_ / o_.fill);
            port = static_cast<std::uint16_t>(1 + fill_pos_ % o_.fill);
            left = port == 1 ? 0 : 1000;  // one seeder per torrent
            ++fill_pos_;
        } else {
            t = static_cast<std::uint32_t>(rng_() % hashes_.size());
            port = static_cast<std::uint16_t>(1 + rng_() % 65535);
            left = (rng_() & 3) == 0 ? 0 : 1000;
        }
        std::uint8_t* p = slot.pkt;
        put64(p, cid_);
        put32(p + 8, 1);
        slot.tid = (static_cast<std::uint32_t>(++generation_) << 10) | s;
        put32(p + 12, slot.tid);
        std::memcpy(p + 16, hashes_[t].data(), 20);
        std::memset(p + 36, 0, 20);
        put32(p + 36, index_);
        put32(p + 40, t);
        put32(p + 44, port);
        put64(p + 56, 0);
        put64(p + 64, left);
        put64(p + 72, 0);
        put32(p + 80, 0);  // event none
        put32(p + 84, 0);
        put32(p + 88, rng_());
        put32(p + 92, static_cast<std::uint32_t>(o_.numwant));
        p[96] = static_cast<std::uint8_t>(port >> 8);
        p[97] = static_cast<std::uint8_t>(port);
        slot.busy = true;
        return true;
    }

    void send_slot(unsigned s) {
        put64(slots_[s].pkt, cid_);
        (void)send(fd_, slots_[s].pkt, 98, 0);
    }

    void run(Clock::time_point stop, std::uint64_t fill_begin, std::uint64_t fill_end) {
        fill_pos_ = fill_begin;
        fill_end_ = fill_end;
        slots_.assign(std::min(o_.window, 1023u), Slot{});
        unsigned busy = 0;
        for (unsigned s = 0; s < slots_.size(); ++s) {
            if (next(s)) {
                send_slot(s);
                ++busy;
            }
        }
        std::uint8_t rep[4096];
        int silent_rounds = 0;
        while (busy > 0) {
            if (!o_.fill && Clock::now() >= stop) break;
            ssize_t n = recv(fd_, rep, sizeof rep, 0);
            if (n < 0) {
                // 200 ms without a reply: resend what is outstanding (fill) or replace it.
                totals_.timeouts.fetch_add(busy, std::memory_order_relaxed);
                if (++silent_rounds > 50) break;  // 10 s of silence: the server is gone
                if (Clock::now() - connected_at_ > std::chrono::seconds(50) && !handshake()) break;
                for (unsigned s = 0; s < slots_.size(); ++s) {
                    if (!slots_[s].busy) continue;
                    if (!o_.fill && !next(s)) continue;
                    send_slot(s);
                }
                continue;
            }
            silent_rounds = 0;
            if (n < 8) continue;
            std::uint32_t tid = get32(rep + 4);
            unsigned s = tid & 1023u;
            if (s >= slots_.size() || !slots_[s].busy || slots_[s].tid != tid) continue;  // late duplicate
            std::uint32_t action = get32(rep);
            if (action == 1) {
                totals_.replies.fetch_add(1, std::memory_order_relaxed);
            } else {
                totals_.errors.fetch_add(1, std::memory_order_relaxed);
                // An expired connection id: reconnect and retry this announce.
                if (!handshake()) break;
                send_slot(s);
                continue;
            }
            slots_[s].busy = false;
            --busy;
            if (next(s)) {
                send_slot(s);
                ++busy;
            }
        }
        ::close(fd_);
    }

private:
    struct Slot {
        std::uint8_t pkt[98] = {};
        std::uint32_t tid = 0;
        bool busy = false;
    };
    const Options& o_;
    const std::vector<std::array<std::uint8_t, 20>>& hashes_;
    unsigned index_;
    Totals& totals_;
    std::mt19937 rng_;
    int fd_ = -1;
    std::uint64_t cid_ = 0;
    Clock::time_point connected_at_{};
    std::vector<Slot> slots_;
    std::uint32_t generation_ = 0;
    std::uint64_t fill_pos_ = 0, fill_end_ = 0;
};

int usage() {
    std::fprintf(stderr,
                 "usage: udp-announce-load --port P --hashes FILE [--host IPv4] [--threads N] [--window W]\n"
                 "                         (--seconds S | --fill PEERS_PER_TORRENT) [--numwant N]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--host") o.host = v;
        else if (k == "--port") o.port = std::atoi(v.c_str());
        else if (k == "--hashes") o.hashes = v;
        else if (k == "--threads") o.threads = static_cast<unsigned>(std::max(1, std::atoi(v.c_str())));
        else if (k == "--window") o.window = static_cast<unsigned>(std::max(1, std::atoi(v.c_str())));
        else if (k == "--seconds") o.seconds = std::atof(v.c_str());
        else if (k == "--fill") o.fill = static_cast<unsigned>(std::max(0, std::atoi(v.c_str())));
        else if (k == "--numwant") o.numwant = std::atoi(v.c_str());
        else return usage();
    }
    if (o.port <= 0 || o.hashes.empty() || (o.seconds <= 0) == (o.fill == 0) || o.seconds > 600) return usage();
    auto hashes = load_hashes(o.hashes);
    if (hashes.empty()) {
        std::fprintf(stderr, "no hashes in %s\n", o.hashes.c_str());
        return 1;
    }
    Totals totals;
    std::vector<std::unique_ptr<Worker>> workers;
    for (unsigned i = 0; i < o.threads; ++i) {
        workers.push_back(std::make_unique<Worker>(o, hashes, i, totals));
        if (!workers.back()->open() || !workers.back()->handshake()) {
            std::fprintf(stderr, "worker %u: no connect reply from %s:%d\n", i, o.host.c_str(), o.port);
            return 1;
        }
    }
    const std::uint64_t total = o.fill ? hashes.size() * std::uint64_t{o.fill} : 0;
    const auto start = Clock::now();
    const auto stop = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < o.threads; ++i) {
        std::uint64_t b = total * i / o.threads, e = total * (i + 1) / o.threads;
        threads.emplace_back([&, i, b, e] { workers[i]->run(stop, b, e); });
    }
    for (auto& t : threads) t.join();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    const auto replies = totals.replies.load();
    std::printf("announces=%llu seconds=%.2f rate=%.0f errors=%llu timeouts=%llu\n", (unsigned long long)replies, secs,
                double(replies) / secs, (unsigned long long)totals.errors.load(),
                (unsigned long long)totals.timeouts.load());
    if (o.fill && replies < total) {
        std::fprintf(stderr, "fill incomplete: %llu of %llu announces answered\n", (unsigned long long)replies,
                     (unsigned long long)total);
        return 1;
    }
    return 0;
}
