#include "auth/password.hpp"

#include <gtest/gtest.h>

#include <string>

namespace auth {
namespace {

using namespace std::string_literals;

// Made with libcrypt for "hungry".
const std::string kYes = "$y$j9T$rFyWFfbS3p4nnbd4rrHAO0$Rx4pTo3gLR65GAFjAucGATddFYj2PiMNZKHYe1cAZs0";
const std::string kSha512 =
    "$6$.GMZ7/7jR8gWCVx3$iWjJUZzfQV4eciPSdYwelGvjJDbbUONnnEDVjj1jwNDAWO1OuWAfgHnLvJmJL0yY6ibsBuukWGTiySYms8bBE/";

TEST(Password, VerifiesYescryptAndSha512) {
    EXPECT_TRUE(verify_crypt("hungry", kYes));
    EXPECT_FALSE(verify_crypt("Hungry", kYes));
    EXPECT_FALSE(verify_crypt("", kYes));
    EXPECT_TRUE(verify_crypt("hungry", kSha512));
    EXPECT_FALSE(verify_crypt("hungry!", kSha512));
}

TEST(Password, RefusesNulBytesAndBrokenHashes) {
    EXPECT_FALSE(verify_crypt("hungry\0x"s, kYes));  // crypt would stop at the NUL
    EXPECT_FALSE(verify_crypt("hungry", "*"));
    EXPECT_FALSE(verify_crypt("hungry", kYes.substr(0, kYes.size() - 1)));
    EXPECT_FALSE(verify_crypt("hungry", ""));
}

TEST(Password, RecognisesCryptHashes) {
    EXPECT_TRUE(is_crypt_hash(kYes));
    EXPECT_TRUE(is_crypt_hash(kSha512));
    EXPECT_TRUE(is_crypt_hash("$2b$05$abcdefghijklmnopqrstuuHIrMEWpUCQe2YqFR3sXwQ75u4od..9q"));
    EXPECT_TRUE(is_crypt_hash("$5$rounds=1000$a$af1lXdF21.iA9jcmcFwsvY240ve7wL1lH.3Mrww.G/3"));
    EXPECT_TRUE(is_crypt_hash("abzlUXK5ed5rs"));  // traditional DES: legacy, still verifiable
    for (const char* bad : {"", "x", "*", "!", "$y$", "$6$salt", "$6$salt$", "$7$x", "has space", "{PLAIN}x"})
        EXPECT_FALSE(is_crypt_hash(bad)) << bad;
}

TEST(Password, PlainComparisonCoversLengths) {
    EXPECT_TRUE(verify_plain("secret", "secret"));
    EXPECT_FALSE(verify_plain("secre", "secret"));
    EXPECT_FALSE(verify_plain("secret!", "secret"));
    EXPECT_FALSE(verify_plain("", "secret"));
    EXPECT_TRUE(verify_plain("", ""));
}

TEST(Password, HashPasswordMakesFreshYescryptHashes) {
    const std::string a = hash_password("hungry");
    const std::string b = hash_password("hungry");
    EXPECT_TRUE(a.starts_with("$y$")) << a;
    EXPECT_NE(a, b) << "a random salt each time";
    EXPECT_TRUE(verify_crypt("hungry", a));
    EXPECT_TRUE(verify_crypt("hungry", b));
    EXPECT_FALSE(verify_crypt("angry", a));
    EXPECT_TRUE(is_crypt_hash(a));
    EXPECT_THROW((void)hash_password("a\0b"s), std::runtime_error);
}

}  // namespace
}  // namespace auth
