#include "net/trace.hpp"

#include <spdlog/spdlog.h>

#include <atomic>

#include "net/endpoint.hpp"

namespace net {
namespace {
std::atomic<bool> g_trace{false};
std::atomic<std::uint64_t> g_next_id{1};

std::shared_ptr<spdlog::logger> trace_logger() {
    auto l = spdlog::get("trace");
    return l ? l : spdlog::default_logger();
}
}  // namespace

void Trace::enable(bool on) { g_trace.store(on, std::memory_order_relaxed); }
bool Trace::enabled() { return g_trace.load(std::memory_order_relaxed); }

std::uint64_t next_session_id() { return g_next_id.fetch_add(1, std::memory_order_relaxed); }

SessionTrace::SessionTrace(std::string_view protocol, std::uint64_t session_id, std::string peer) {
    if (Trace::enabled()) prefix_ = std::string(protocol) + " #" + std::to_string(session_id) + " " + peer + " ";
}

void SessionTrace::client(std::string_view text) const { emit("C: ", text); }
void SessionTrace::server(std::string_view text) const { emit("S: ", text); }
void SessionTrace::note(std::string_view text) const { emit("-- ", text); }

void SessionTrace::emit(std::string_view tag, std::string_view text) const {
    if (!Trace::enabled()) return;
    auto log = trace_logger();
    // One transcript line per protocol line; CRLF/LF stripped; control bytes made visible.
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        std::string clean;
        clean.reserve(line.size());
        for (unsigned char c : line) {
            if (c < 0x20 || c == 0x7f) {
                static const char hex[] = "0123456789abcdef";
                clean += "\\x";
                clean += hex[c >> 4];
                clean += hex[c & 15];
            } else {
                clean += static_cast<char>(c);
            }
        }
        log->info("{}{}{}", prefix_, tag, clean);
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
}

void trace_line(std::string_view text) {
    if (!Trace::enabled()) return;
    trace_logger()->info("{}", text);
}

void trace_datagram(std::string_view protocol, const udp::endpoint& peer, std::string_view summary) {
    if (!Trace::enabled()) return;
    trace_logger()->info("{} {} {}", protocol, to_string(peer), summary);
}

}  // namespace net
