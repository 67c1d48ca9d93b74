// The HTML allowlist: what stays, and the tricks that must not get script through.
#include "platform/engine/html_sanitizer.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

using carebridge::platform::sanitize_html;

namespace {
// True when the output still holds something a browser could run.
bool dangerous(const std::string& html) {
    std::string low;
    for (char c : html) low += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const char* bad : {"<script", "<style", "<iframe", "<svg", "<object", "<embed", "javascript:",
                            "vbscript:", "data:text", " on", "\ton", "/on", "srcdoc", "<base", "<meta",
                            "<link", "<form", "<math", "expression("})
        if (low.find(bad) != std::string::npos) return true;
    return false;
}
}  // namespace

TEST(HtmlSanitizer, KeepsAllowedMarkupAndText) {
    EXPECT_EQ(sanitize_html("Hello <b>there</b>, <i>how</i> can I <em>help</em>?"),
              "Hello <b>there</b>, <i>how</i> can I <em>help</em>?");
    EXPECT_EQ(sanitize_html("<p>a<br>b<br/>c</p>"), "<p>a<br>b<br>c</p>");
    EXPECT_EQ(sanitize_html("<ul><li>one</li><li>two</li></ul>"), "<ul><li>one</li><li>two</li></ul>");
    EXPECT_EQ(sanitize_html("plain text"), "plain text");
    EXPECT_EQ(sanitize_html("caf\xC3\xA9 \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(HtmlSanitizer, KeepsSafeLinksWithRel) {
    EXPECT_EQ(sanitize_html("<a href=\"https://contoso.com/x?a=1&amp;b=2\">x</a>"),
              "<a href=\"https://contoso.com/x?a=1&amp;b=2\" rel=\"nofollow noopener noreferrer\">x</a>");
    EXPECT_EQ(sanitize_html("<a href='mailto:help@contoso.com' title='mail us'>m</a>"),
              "<a href=\"mailto:help@contoso.com\" title=\"mail us\" rel=\"nofollow noopener noreferrer\">m</a>");
    // A rel or target of the author's is not kept: ours is the only one.
    EXPECT_EQ(sanitize_html("<a href=http://x.com rel=opener target=_blank>x</a>"),
              "<a href=\"http://x.com\" rel=\"nofollow noopener noreferrer\">x</a>");
}

TEST(HtmlSanitizer, DropsScriptAndFriendsWithTheirContent) {
    EXPECT_EQ(sanitize_html("a<script>alert(1)</script>b"), "ab");
    EXPECT_EQ(sanitize_html("a<SCRIPT type=text/javascript>alert(1)</ScRiPt >b"), "ab");
    EXPECT_EQ(sanitize_html("a<style>body{display:none}</style>b"), "ab");
    EXPECT_EQ(sanitize_html("a<iframe src=https://evil.com></iframe>b"), "ab");
    EXPECT_EQ(sanitize_html("<svg><script>alert(1)</script></svg>ok"), "ok");
    EXPECT_EQ(sanitize_html("<svg onload=alert(1)>"), "");
    EXPECT_EQ(sanitize_html("<math><mi xlink:href=javascript:alert(1)>x</mi></math>y"), "y");
    EXPECT_EQ(sanitize_html("<script>never closed alert(1)"), "");
    // "</scriptx>" does not end a script; the real end tag does.
    EXPECT_EQ(sanitize_html("<script>a</scriptx>alert(1)</script>ok"), "ok");
    EXPECT_EQ(sanitize_html("<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>z"),
              "<img>&quot;&gt;z");
}

TEST(HtmlSanitizer, DropsEventHandlersAndStyle) {
    EXPECT_EQ(sanitize_html("<b onclick=\"alert(1)\">x</b>"), "<b>x</b>");
    EXPECT_EQ(sanitize_html("<b ONMOUSEOVER=alert(1) style=\"color:red\" class=x id=y>x</b>"), "<b>x</b>");
    EXPECT_EQ(sanitize_html("<img src=x onerror=alert(1)>"), "<img>");
    EXPECT_EQ(sanitize_html("<img/src=\"https://i.example/a.png\"/onerror=alert(1)>"),
              "<img src=\"https://i.example/a.png\">");
    EXPECT_EQ(sanitize_html("<p\tonclick=alert(1)>x</p>"), "<p>x</p>");
    EXPECT_EQ(sanitize_html("<p/onclick=alert(1)>x</p>"), "<p>x</p>");
}

TEST(HtmlSanitizer, RefusesScriptUrlsHoweverSpelled) {
    for (const char* href : {"javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
                             "java\tscript:alert(1)", "java&#x09;script:alert(1)", "&#106;avascript:alert(1)",
                             "&#x6A;avascript:alert(1)", "&#0000106avascript:alert(1)", "javascript&colon;alert(1)",
                             "javascript&#58alert(1)", "\x01javascript:alert(1)", "vbscript:msgbox(1)",
                             "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "//evil.com/x",
                             "/relative", "jav&NewLine;ascript:alert(1)", "&unknown;javascript:alert(1)"}) {
        const std::string out = sanitize_html(std::string("<a href=\"") + href + "\">x</a>");
        EXPECT_EQ(out, "<a rel=\"nofollow noopener noreferrer\">x</a>") << href;
    }
}

TEST(HtmlSanitizer, ImagesOnlyFromHttpsOrRasterDataUrls) {
    EXPECT_EQ(sanitize_html("<img src=\"https://cdn.contoso.com/a.png\" alt=\"logo\" width=\"20\" height=\"10\">"),
              "<img src=\"https://cdn.contoso.com/a.png\" alt=\"logo\" width=\"20\" height=\"10\">");
    EXPECT_EQ(sanitize_html("<img src=\"data:image/png;base64,iVBORw0KGgo=\">"),
              "<img src=\"data:image/png;base64,iVBORw0KGgo=\">");
    EXPECT_EQ(sanitize_html("<img src=\"data:image/svg+xml;base64,PHN2Zz4=\">"), "<img>");
    EXPECT_EQ(sanitize_html("<img src=\"http://tracker.example/p.gif\">"), "<img>");
    EXPECT_EQ(sanitize_html("<img src=\"data:image/png;base64,AAA\" onload=x>"), "<img src=\"data:image/png;base64,AAA\">");
    EXPECT_EQ(sanitize_html("<img width=\"100%\" height=\"expression(alert(1))\">"), "<img>");
}

TEST(HtmlSanitizer, AttributeValuesCannotBreakOut) {
    // The decoded quote is re-escaped by us, so it stays inside the attribute.
    EXPECT_EQ(sanitize_html("<a title=\"&quot; onclick=&quot;alert(1)\" href=https://a.com>x</a>"),
              "<a title=\"&quot; onclick=&quot;alert(1)\" href=\"https://a.com\" rel=\"nofollow noopener noreferrer\">x</a>");
    EXPECT_EQ(sanitize_html("<a title='a\"b<c>'>x</a>"),
              "<a title=\"a&quot;b&lt;c&gt;\" rel=\"nofollow noopener noreferrer\">x</a>");
    // The first of duplicated attributes wins, as in browsers.
    EXPECT_EQ(sanitize_html("<a href=https://ok.com href=javascript:alert(1)>x</a>"),
              "<a href=\"https://ok.com\" rel=\"nofollow noopener noreferrer\">x</a>");
}

TEST(HtmlSanitizer, CommentsDoctypesAndBogusMarkup) {
    EXPECT_EQ(sanitize_html("a<!-- <script>alert(1)</script> -->b"), "ab");
    EXPECT_EQ(sanitize_html("a<!--b"), "a");
    EXPECT_EQ(sanitize_html("<!DOCTYPE html>x"), "x");
    EXPECT_EQ(sanitize_html("<![CDATA[<script>alert(1)</script>]]>x"), "alert(1)]]&gt;x");
    EXPECT_EQ(sanitize_html("<?xml version=\"1.0\"?>x"), "x");
    EXPECT_EQ(sanitize_html("1 < 2 and 3 > 2"), "1 &lt; 2 and 3 &gt; 2");
    EXPECT_EQ(sanitize_html("<<b>>"), "&lt;<b>&gt;</b>");
    EXPECT_EQ(sanitize_html("< script>alert(1)"), "&lt; script&gt;alert(1)");
    EXPECT_EQ(sanitize_html("<b title=\"unterminated>x"), "");
    EXPECT_EQ(sanitize_html("<b"), "");
    EXPECT_EQ(sanitize_html("a<"), "a&lt;");
}

TEST(HtmlSanitizer, UnknownTagsLoseMarkupKeepText) {
    EXPECT_EQ(sanitize_html("<font color=red>red</font>"), "red");
    EXPECT_EQ(sanitize_html("<form action=https://evil.com><input name=p></form>done"), "done");
    EXPECT_EQ(sanitize_html("<details open ontoggle=alert(1)>x</details>"), "x");
    EXPECT_EQ(sanitize_html("<base href=https://evil.com/>x"), "x");
    EXPECT_EQ(sanitize_html("<meta http-equiv=refresh content=0;url=https://evil.com>x"), "x");
}

TEST(HtmlSanitizer, TagsAreBalanced) {
    EXPECT_EQ(sanitize_html("<b>bold"), "<b>bold</b>");
    EXPECT_EQ(sanitize_html("</div></b>text"), "text");
    EXPECT_EQ(sanitize_html("<b><i>x</b>y</i>"), "<b><i>x</i></b>y");
    std::string deep;
    for (int i = 0; i < 10'000; ++i) deep += "<div>";
    const std::string out = sanitize_html(deep);
    EXPECT_EQ(out.size(), 64 * (5 + 6));  // flattened past 64 levels, then closed
}

TEST(HtmlSanitizer, EntitiesInTextAreKeptOrEscaped) {
    EXPECT_EQ(sanitize_html("Tom &amp; Jerry &lt;3 &#169; &#x1F600;"), "Tom &amp; Jerry &lt;3 &#169; &#x1F600;");
    EXPECT_EQ(sanitize_html("AT&T & co"), "AT&amp;T &amp; co");
    EXPECT_EQ(sanitize_html("&lt;script&gt;alert(1)&lt;/script&gt;"), "&lt;script&gt;alert(1)&lt;/script&gt;");
}

TEST(HtmlSanitizer, NastyCorpusNeverYieldsRunnableMarkup) {
    const char* corpus[] = {
        "<scr<script>ipt>alert(1)</script>",
        "<<script>script>alert(1)<</script>/script>",
        "<a href=\"jav&#x0A;ascript:alert(1)\">x</a>",
        "<img src=\"https://a.png\" onerror\n=alert(1)>",
        "<img src=\"https://a.png\"onerror=alert(1)>",
        "<a href=\"https://a.com\"onclick=alert(1)>x</a>",
        "<IMG SRC=JaVaScRiPt:alert('XSS')>",
        "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
        "<a href=\"javas\x00cript:alert(1)\">x</a>",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<object data=\"javascript:alert(1)\"></object>",
        "<embed src=\"data:text/html,<script>alert(1)</script>\">",
        "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
        "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
        "<a href=\"&#1;javascript:alert(1)\">x</a>",
        "<title><img src=x onerror=alert(1)></title>",
        "<textarea><script>alert(1)</script></textarea>",
        "<xmp><img src=x onerror=alert(1)></xmp>",
        "<p =onclick=alert(1)>x</p>",
        "\"><script>alert(1)</script>",
        "<a href=\" &#14;  javascript:alert(1)\">x</a>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg\">x</a>",
        "<img src=\"data:image/png;base64,x\" src=\"javascript:alert(1)\">",
        "<b <script>alert(1)</script>>",
        "<!--><script>alert(1)</script>-->",
        "<a href=https://x.com/\"onmouseover=alert(1)>x</a>",
        "<a/href=\"javascript:alert(1)\">x</a>",
        "<img src=\"https://a\" alt=\"x\" onerror=\"alert(1)\"/>",
    };
    for (const char* input : corpus) {
        const std::string out = sanitize_html(input);
        EXPECT_FALSE(dangerous(out)) << input << "\n -> " << out;
    }
}
