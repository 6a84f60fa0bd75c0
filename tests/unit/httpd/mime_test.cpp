#include "httpd/mime.hpp"

#include <gtest/gtest.h>

using namespace httpd;

TEST(Mime, ParsesMimeTypesSyntax) {
    MimeTypes m;
    m.parse(
        "# comment line\n"
        "text/html\t\t\t\thtml htm shtml\n"
        "image/jpeg jpeg jpg jpe # trailing comment\n"
        "application/x-empty\n"
        "notatype foo\n"
        "text/plain   txt\r\n");
    EXPECT_EQ(m.lookup("index.html", "d"), "text/html");
    EXPECT_EQ(m.lookup("/a/b/PIC.JPG", "d"), "image/jpeg");
    EXPECT_EQ(m.lookup("notes.txt", "d"), "text/plain");
    EXPECT_EQ(m.lookup("x.foo", "d"), "d");
    EXPECT_EQ(m.lookup("README", "d"), "d");
    EXPECT_EQ(m.lookup("dir.d/file", "d"), "d");
    EXPECT_EQ(m.lookup("trailing.", "d"), "d");
}

TEST(Mime, LaterLinesAndAddWin) {
    MimeTypes m;
    m.parse("text/x-a idx\ntext/html index\n");
    EXPECT_EQ(m.lookup("home.index", "d"), "text/html");
    m.add("INDEX", "text/plain");
    EXPECT_EQ(m.lookup("home.index", "d"), "text/plain");
}

TEST(Mime, DebianFileLoads) {
    MimeTypes m;
    if (!m.load("/etc/mime.types")) GTEST_SKIP() << "no /etc/mime.types";
    EXPECT_GT(m.size(), 500u);
    EXPECT_EQ(m.lookup("a.css", "d"), "text/css");
    EXPECT_EQ(m.lookup("a.png", "d"), "image/png");
}
