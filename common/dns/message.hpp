// DNS messages (RFC 1035 4.1): header, question, resource records, EDNS0 OPT (RFC 6891),
// a safe parser and a writer with name compression and truncation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dns/bytes.hpp"
#include "dns/name.hpp"
#include "dns/types.hpp"

namespace dns {

inline constexpr std::size_t header_size = 12;
inline constexpr std::size_t max_udp_plain = 512;  ///< RFC 1035 4.2.1, without EDNS
inline constexpr std::size_t max_message = 65535;  ///< TCP length prefix bound

/// The fixed 12-octet header with its flags unpacked.
struct Header {
    std::uint16_t id = 0;
    bool qr = false, aa = false, tc = false, rd = false, ra = false, ad = false, cd = false;
    std::uint8_t opcode = 0;
    std::uint8_t rcode = 0;  ///< low 4 bits only; the OPT record carries the upper 8
    std::uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;

    [[nodiscard]] std::uint16_t flags() const;
    void set_flags(std::uint16_t f);
    /// Reads 12 octets; false if fewer are available.
    [[nodiscard]] bool read(ByteReader& r);
};

struct Question {
    Name name;
    std::uint16_t type = 0;
    std::uint16_t klass = klass::IN;
};

/// A resource record; `rdata` is uncompressed wire form.
struct Rr {
    Name owner;
    std::uint16_t type = 0;
    std::uint16_t klass = klass::IN;
    std::uint32_t ttl = 0;
    std::string rdata;
    friend bool operator==(const Rr&, const Rr&) = default;
};

/// The OPT pseudo-RR's fields (RFC 6891 6.1.2/6.1.3).
struct Edns {
    std::uint16_t udp_size = 1232;
    std::uint8_t ext_rcode = 0;  ///< upper 8 bits of the 12-bit rcode
    std::uint8_t version = 0;
    bool do_bit = false;
    std::string options;  ///< raw option TLVs
};

enum class Section { answer = 0, authority = 1, additional = 2 };

struct Message {
    Header header;
    std::vector<Question> questions;
    std::vector<Rr> answer, authority, additional;  ///< additional excludes the OPT record
    std::optional<Edns> edns;
};

enum class ParseError {
    ok,
    short_header,  ///< fewer than 12 octets
    bad_name,      ///< see NameError
    truncated,     ///< a count promises more than the message holds
    bad_rdata,     ///< rdata inconsistent with its type or length
    multiple_opt,  ///< RFC 6891 6.1.1: more than one OPT is FORMERR
    bad_opt,       ///< OPT owner not root, outside the additional section, or options not filling it
};
[[nodiscard]] std::string_view to_string(ParseError e);

/// Whether an OPT's rdata is a sequence of whole options, each {code, length, length octets}
/// (RFC 6891 6.1.2), with nothing left over.
[[nodiscard]] bool edns_options_valid(std::string_view options);
[[nodiscard]] inline bool edns_options_valid(std::span<const std::uint8_t> options) {
    return edns_options_valid(std::string_view(reinterpret_cast<const char*>(options.data()), options.size()));
}

/// Parses a whole message. Trailing octets after the last counted record are ignored.
[[nodiscard]] ParseError parse_message(std::span<const std::uint8_t> data, Message& out);

/// Reads one record's rdata at the reader (rdlength octets), decompressing the names of
/// the RFC 1035 types (and SRV on receipt, RFC 3597 4). Returns false when malformed.
[[nodiscard]] bool read_rdata(ByteReader& r, std::uint16_t type, std::uint16_t rdlength, std::string& out);

/// Writes a message into a fixed buffer, compressing names (RFC 1035 4.1.4) and refusing
/// records that would exceed the size limit (the caller decides whether to set TC).
class MessageWriter {
public:
    /// `limit` caps the message size (512 for plain UDP, the EDNS size, 65535 for TCP).
    MessageWriter(std::span<std::uint8_t> buf, std::size_t limit);

    /// Writes the header (counts are patched by finish()). Call first.
    [[nodiscard]] bool header(const Header& h);
    [[nodiscard]] bool question(const Name& name, std::uint16_t type, std::uint16_t klass);
    /// Appends a record; false (nothing written) when it does not fit.
    [[nodiscard]] bool rr(Section s, std::string_view owner_wire, std::uint16_t type, std::uint16_t klass,
                          std::uint32_t ttl, std::string_view rdata);
    [[nodiscard]] bool rr(Section s, const Rr& r) { return rr(s, r.owner.wire(), r.type, r.klass, r.ttl, r.rdata); }
    /// Keeps `n` octets free at the end (room for a later OPT record).
    void reserve(std::size_t n);
    /// Releases the reservation and appends the OPT record to the additional section.
    [[nodiscard]] bool opt(const Edns& e);
    /// Sets the TC bit in the written header.
    void set_tc();
    /// A point to roll back to (position, counts, compression table).
    struct Mark {
        std::size_t position = 0;
        std::size_t table_size = 0;
        std::array<std::uint16_t, 4> counts{};
    };
    [[nodiscard]] Mark mark() const { return {w_.position(), table_size_, counts_}; }
    /// Forgets everything written after `m` (e.g. a partly written RRset).
    void rollback(const Mark& m);
    /// Patches the counts; returns the message size.
    std::size_t finish();
    [[nodiscard]] std::size_t size() const { return w_.position(); }
    [[nodiscard]] std::uint16_t count(Section s) const { return counts_[static_cast<int>(s) + 1]; }

    /// Writes a name, compressed against earlier names when `compress`.
    [[nodiscard]] bool name(std::string_view wire, bool compress);

private:
    [[nodiscard]] bool match_at(std::size_t offset, std::string_view suffix) const;
    [[nodiscard]] bool rdata(std::uint16_t type, std::string_view rdata);
    ByteWriter w_;
    std::size_t limit_;
    std::size_t reserved_ = 0;
    std::array<std::uint16_t, 4> counts_{};
    std::array<std::uint16_t, 256> table_{};  // offsets of label sequences already written
    std::size_t table_size_ = 0;
};

/// Builds a query (RD as given, EDNS0 with `edns_size` when nonzero). Returns the size
/// written into `buf`, 0 if it does not fit.
[[nodiscard]] std::size_t build_query(std::span<std::uint8_t> buf, std::uint16_t id, const Name& name,
                                      std::uint16_t type, bool rd, std::uint16_t edns_size);

/// Presentation form of rdata ("10 mail.hamburger.edu.", "\# 3 010203" for unknown types).
[[nodiscard]] std::string rdata_to_text(std::uint16_t type, std::string_view rdata);
/// "owner TTL CLASS TYPE rdata".
[[nodiscard]] std::string rr_to_text(const Rr& rr);

/// Where the names sit inside the rdata of a type.
struct RdataLayout {
    std::size_t prefix = 0;  ///< fixed octets before the first name
    std::size_t names = 0;   ///< consecutive names
    std::size_t suffix = 0;  ///< fixed octets after the names (exact; SIZE_MAX: any)
    bool compress = false;   ///< may be compressed when written (RFC 3597 4)
};
[[nodiscard]] RdataLayout rdata_layout(std::uint16_t type);
/// Whether two rdatas of `type` are the same record: the names inside the rdata of the types
/// rdata_layout knows (NS, CNAME, PTR, MX, SOA, SRV) compare case-insensitively (RFC 4343,
/// RFC 4034 6.2), everything else octet by octet.
[[nodiscard]] bool rdata_equal(std::uint16_t type, std::string_view a, std::string_view b);
/// The target name inside NS/CNAME/PTR/MX/SRV rdata (for additional-section processing).
[[nodiscard]] std::optional<Name> rdata_target(std::uint16_t type, std::string_view rdata);

}  // namespace dns
