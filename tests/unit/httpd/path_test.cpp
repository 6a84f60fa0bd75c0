#include "httpd/path.hpp"

#include <gtest/gtest.h>

using namespace httpd;

TEST(Path, NormalisesSlashesAndDots) {
    auto p = resolve_path("/a//b/./c.txt");
    EXPECT_EQ(p.error, PathError::none);
    EXPECT_EQ(p.url, "/a/b/c.txt");
    EXPECT_EQ(p.relative, "a/b/c.txt");
    EXPECT_FALSE(p.directory);
    p = resolve_path("/");
    EXPECT_EQ(p.url, "/");
    EXPECT_EQ(p.relative, "");
    EXPECT_TRUE(p.directory);
    p = resolve_path("/dir/");
    EXPECT_EQ(p.relative, "dir/");
    EXPECT_TRUE(p.directory);
    EXPECT_TRUE(resolve_path("/dir/.").directory);
}

TEST(Path, DecodesPercentEscapes) {
    auto p = resolve_path("/a%20b/%7Euser");
    EXPECT_EQ(p.error, PathError::none);
    EXPECT_EQ(p.url, "/a b/~user");
}

TEST(Path, RefusesEverythingThatClimbs) {
    for (const char* bad : {"/..", "/../etc/passwd", "/a/../../b", "/%2e%2e/x", "/%2E%2e/x", "/a/..%2f..%2fx",
                            "/a%2f..%2f..%2fx", "/..\\x", "/a%5c..%5cx", "/x%00.html", "/a/.."}) {
        EXPECT_EQ(resolve_path(bad).error, PathError::forbidden) << bad;
    }
    // Dots that are not a whole segment are ordinary names.
    EXPECT_EQ(resolve_path("/a..b/...").error, PathError::none);
    EXPECT_EQ(resolve_path("/.hidden").url, "/.hidden");
}

TEST(Path, BadEncodingAndRelativeTargets) {
    EXPECT_EQ(resolve_path("/a%2").error, PathError::bad_encoding);
    EXPECT_EQ(resolve_path("/a%zz").error, PathError::bad_encoding);
    EXPECT_EQ(resolve_path("/%").error, PathError::bad_encoding);
    EXPECT_EQ(resolve_path("a/b").error, PathError::not_absolute);
    EXPECT_EQ(resolve_path("").error, PathError::not_absolute);
    EXPECT_EQ(status_for(PathError::bad_encoding), 400);
    EXPECT_EQ(status_for(PathError::forbidden), 403);
}
