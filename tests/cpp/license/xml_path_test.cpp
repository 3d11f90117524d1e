#include "license/xml_path.h"

#include <catch2/catch.hpp>

using namespace wee;
using namespace wee::license;

namespace {

std::string Find(const std::string& xml, const std::string& path) {
  auto r = FindXmlText(xml, path, "response");
  return r.ok() ? *r : "ERROR " + r.status().message();
}

const char kSoap[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">\n"
    "  <soap:Body>\n"
    "    <!-- the license -->\n"
    "    <AcquireLicenseResponse a=\"x > y\">\n"
    "      <License>\n  AAH+/w==\n  </License>\n"
    "      <Other><![CDATA[<not>markup]]></Other>\n"
    "    </AcquireLicenseResponse>\n"
    "  </soap:Body>\n"
    "</soap:Envelope>";

}  // namespace

TEST_CASE("an element's text by name or by path") {
  CHECK(Find(kSoap, "License") == "AAH+/w==");
  CHECK(Find(kSoap, "/Envelope/Body/AcquireLicenseResponse/License") == "AAH+/w==");
  CHECK(Find(kSoap, "/soap:Envelope/soap:Body/AcquireLicenseResponse/License") == "AAH+/w==");
  CHECK(Find(kSoap, "Other") == "<not>markup");
  CHECK(Find("<a><b>x &amp; &lt;y&gt; &#65;&#x42;</b></a>", "b") == "x & <y> AB");
  CHECK(Find("<a><b/></a>", "b") == "");
}

TEST_CASE("XML errors") {
  CHECK(Find(kSoap, "Missing") ==
        "ERROR response: XML path 'Missing' found nothing: looked in elements soap:Envelope, "
        "soap:Body, AcquireLicenseResponse, License, Other");
  CHECK(Find("<a><b>x</c></a>", "b") ==
        "ERROR response: not valid XML at byte 7 (end tag </c> does not match <b>)");
  CHECK(Find("binary\x01", "b") ==
        "ERROR response: not valid XML at byte 0 (text outside the root element)");
  CHECK(Find("<!DOCTYPE a [<!ENTITY x \"y\">]><a/>", "a") ==
        "ERROR response: not valid XML at byte 0 (DOCTYPE and declarations are not supported)");
  CHECK(Find("<a>&bogus;</a>", "a") ==
        "ERROR response: not valid XML at byte 3 (unknown entity &bogus;)");
  CHECK(Find("<a><b>", "x") == "ERROR response: not valid XML at byte 6 (<b> is not closed)");
  CHECK(Find("<a/>", "/a[1]") ==
        "ERROR response: XML path '/a[1]' is not a plain element path (/a/b or a name)");
}
