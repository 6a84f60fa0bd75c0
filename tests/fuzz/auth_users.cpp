// The users file parser: any bytes as a users file (no password is hashed while loading).
#include <string_view>

#include "auth/users.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        auto t = auth::UserTable::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz",
                                        {.allow_plain = true, .max_line = 256});
        (void)t.find("alice");
    } catch (const auth::UsersError&) {
    }
    return 0;
}
