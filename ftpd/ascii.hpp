// TYPE A translation (RFC 959 3.1.1.1): the network form ends lines in CRLF, files here end
// them in LF. Incremental: any split of the input gives the same output.
#pragma once

#include <string>
#include <string_view>

namespace ftpd {

/// File to network: LF becomes CRLF; a CRLF already in the file is sent as is (not CRCRLF).
class AsciiEncoder {
public:
    /// Appends the network form of `in` to `out`.
    void encode(std::string_view in, std::string& out);

private:
    bool last_cr_ = false;
};

/// Network to file: CRLF becomes LF; a CR not followed by LF is kept.
class AsciiDecoder {
public:
    /// Appends the file form of `in` to `out` (a trailing CR waits for the next byte).
    void decode(std::string_view in, std::string& out);
    /// At the end of the data: a CR still waiting is written.
    void finish(std::string& out);

private:
    bool pending_cr_ = false;
};

}  // namespace ftpd
