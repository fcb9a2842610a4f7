"""The canonicalisation cases of crates/xmldsig/tests/data/c14n/, as inputs and options.

Only inputs live here; the expected bytes are computed by the peers in
scripts/xmldsig_vectors.py. Each case is (name, input bytes, options, what it shows).
Inputs carry no DOCTYPE, and every `ID` attribute value is a unique NCName.
"""

SAML_P = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML_A = "urn:oasis:names:tc:SAML:2.0:assertion"

SAML_RESPONSE = f"""<?xml version="1.0" encoding="UTF-8"?>
<samlp:Response xmlns:samlp="{SAML_P}" xmlns:saml="{SAML_A}" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" ID="_resp1" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" Destination="https://signin.aws.amazon.com/saml">
  <saml:Issuer>https://idp.example.test/saml</saml:Issuer>
  <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
  <saml:Assertion ID="_assert1" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">
    <saml:Issuer>https://idp.example.test/saml</saml:Issuer>
    <saml:Subject>
      <saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">alice<!-- c -->@example.test</saml:NameID>
      <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
        <saml:SubjectConfirmationData NotOnOrAfter="2026-01-01T00:05:00Z" Recipient="https://signin.aws.amazon.com/saml"/>
      </saml:SubjectConfirmation>
    </saml:Subject>
    <saml:Conditions NotBefore="2025-12-31T23:59:00Z" NotOnOrAfter="2026-01-01T00:05:00Z">
      <saml:AudienceRestriction><saml:Audience>https://signin.aws.amazon.com/saml</saml:Audience></saml:AudienceRestriction>
    </saml:Conditions>
    <saml:AttributeStatement>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">
        <saml:AttributeValue xsi:type="xs:string">arn:aws:iam::123456789012:role/Connect,arn:aws:iam::123456789012:saml-provider/Idp</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">
        <saml:AttributeValue xsi:type="xs:string">alice &amp; &lt;co&gt;</saml:AttributeValue>
      </saml:Attribute>
    </saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>
"""


def _deep(levels):
    prefixes = ["", "a", "b", ""]
    opens, closes, decls = [], [], []
    for i in range(levels):
        p = prefixes[i % len(prefixes)]
        name = f"{p}:n{i}" if p else f"n{i}"
        decl = ""
        if i % 10 == 0:
            decl = f' xmlns:a="urn:a{i}" xmlns:b="urn:b{i}"'
        if i % 7 == 3:
            decl += f' xmlns="urn:d{i}"'
        elif i % 13 == 5:
            decl += ' xmlns=""'
        opens.append(f"<{name}{decl} k=\"{i}\">")
        closes.append(f"</{name}>")
        decls.append(decl)
    return ("".join(opens) + "leaf" + "".join(reversed(closes)) + "\n").encode()


def cases():
    """Yields (name, input bytes, options dict, note)."""
    c = []

    def add(name, xml, note, **opts):
        data = xml if isinstance(xml, bytes) else xml.encode("utf-8")
        c.append((name, data, opts, note))

    # --- namespaces ------------------------------------------------------------------------
    add("ns-visibly-used", '<a:root xmlns:a="urn:a" xmlns:b="urn:b"><a:child/></a:root>\n',
        "only the visibly used prefix a is rendered; b is dropped")
    add("ns-unused-on-root", '<root xmlns:u="urn:u" xmlns:v="urn:v"><c>t</c></root>\n',
        "declarations that no element or attribute uses disappear")
    add("ns-declared-on-ancestor", '<r xmlns:p="urn:p"><x><y><p:z/></y></x></r>\n',
        "a prefix declared on the root is rendered where it is first used (p:z)")
    add("ns-used-by-attribute-only", '<r xmlns:a="urn:a"><c a:x="1"><d a:y="2"/></c></r>\n',
        "an attribute prefix makes the declaration visible on its element, once")
    add("ns-redundant-redeclaration",
        '<p:r xmlns:p="urn:p"><p:c xmlns:p="urn:p"><p:d xmlns:p="urn:p"/></p:c></p:r>\n',
        "a redeclaration with the same URI is not rendered again")
    add("ns-prefix-rebound", '<p:r xmlns:p="urn:p1"><p:c xmlns:p="urn:p2"><p:d/></p:c><p:e/></p:r>\n',
        "rebinding p to another URI is rendered; the sibling after it sees the outer binding")
    add("ns-decl-order", '<r xmlns:z="urn:1" xmlns:a="urn:2" xmlns="urn:0" xmlns:m="urn:3" z:x="" a:x="" m:x=""/>\n',
        "namespace declarations sorted by prefix, default first")
    add("ns-same-uri-two-prefixes",
        '<r xmlns="urn:x" xmlns:x="urn:x" xmlns:y="urn:x"><x:c/><c/><y:c x:a="1"/></r>\n',
        "one URI bound to the default and two prefixes; each prefix is rendered where used")
    add("ns-sibling-scopes", '<r><p:a xmlns:p="urn:p"/><p:b xmlns:p="urn:p"/><c><p:d xmlns:p="urn:q"/></c></r>\n',
        "declarations on siblings are independent: each one is rendered")

    # --- default namespace -----------------------------------------------------------------
    add("default-ns-on-root", '<r xmlns="urn:d"><c><d/></c></r>\n',
        "the default namespace is rendered on the root only")
    add("default-ns-on-child", '<r><c xmlns="urn:d"><d/></c><e/></r>\n',
        "a default namespace declared on a child is rendered there")
    add("default-ns-undeclared", '<r xmlns="urn:d"><c xmlns=""><d/></c></r>\n',
        'xmlns="" is rendered where an element leaves a non-empty default namespace')
    add("default-ns-redundant", '<r xmlns="urn:d"><c xmlns="urn:d"><d xmlns="urn:d"/></c></r>\n',
        "a default namespace redeclared with the same URI is rendered once")
    add("default-ns-undeclared-unneeded", '<r><c xmlns=""><d xmlns=""/></c></r>\n',
        'xmlns="" with no default namespace in force is not rendered')
    add("default-ns-unused-by-prefixed-root",
        '<p:r xmlns:p="urn:p" xmlns="urn:d"><p:c/><c/></p:r>\n',
        "the default namespace is rendered on the first element in it, not on the prefixed root")
    add("default-ns-reundeclared-deep",
        '<r xmlns="urn:d"><c xmlns=""><d xmlns="urn:d"><e xmlns=""/></d></c></r>\n',
        "default namespace switched off and on again at several depths")

    # --- attributes ------------------------------------------------------------------------
    add("attr-order-unqualified", '<r z="1" a="2" m="3" A="4" _b="5"/>\n',
        "unqualified attributes sorted by name (code point order)")
    add("attr-order-namespaced",
        '<r xmlns:b="urn:b" xmlns:a="urn:a" b:x="1" a:y="2" a:b="3" c="4" b:a="5"/>\n',
        "unqualified first, then by namespace URI, then by local name")
    add("attr-order-uri-not-prefix",
        '<r xmlns:z="urn:a" xmlns:a="urn:z" a:k="1" z:k="2" z:j="3" k="0"/>\n',
        "attributes sort by namespace URI, not by prefix")
    add("attr-order-xml-namespace",
        '<r xmlns:a="http://a.test/" xmlns:z="urn:z" z:y="2" xml:lang="en" a:x="1" b="0" xml:space="default"/>\n',
        "xml:* attributes sort by their namespace URI http://www.w3.org/XML/1998/namespace like any other")
    add("attr-xml-lang-space",
        '<r xml:lang="en" xml:space="preserve" a="1"><c xml:lang="fr">  t  </c></r>\n',
        "xml:lang and xml:space attributes, the xml prefix never declared")

    # --- escaping, line ends, references ------------------------------------------------------
    add("escape-text", '<r>a &amp; b &lt; c &gt; d "q" \'s\' &#13; e ]]&gt;</r>\n',
        "text escapes & < > and CR as &#xD;; quotes stay")
    add("escape-attr", '<r a="x &amp; &lt; &quot; &gt; \' &#9; &#10; &#13; y" b=\'"\'/>\n',
        "attribute escapes & < \" and TAB LF CR as character references; > and ' stay")
    add("crlf-text", b"<r>one\r\ntwo\rthree\nfour\r\n\r\n<c>\r</c></r>\r\n",
        "literal CRLF and lone CR in text are normalised to LF by the parser")
    add("crlf-attr", b'<r a="one\r\ntwo\rthree\nfour\tfive" b="&#13;&#10;"/>\r\n',
        "literal CR, LF, CRLF and TAB in attribute values become spaces; references stay")
    add("crlf-comment", b"<r><!--a\r\nb\rc--></r>\r\n<!--\r\n-->\r\n",
        "line ends inside comments are normalised like everywhere else (XML 1.0 section 2.11)",
        with_comments=True)
    add("crlf-pi", b"<r><?p a\r\nb\rc?></r>\r\n<?q \r\n?>",
        "line ends inside processing instructions are normalised")
    add("cr-next-to-reference", b"<r><a>x\r&lt;</a><b>&#65;\r</b><c>\r&amp;</c><d>&gt;\r\r</d></r>",
        "a lone CR beside an entity or character reference is still a line end (LF)")
    add("cdata-after-cr-reference",
        b"<r><a>&#13;<![CDATA[x]]>y</a><b>p&#xD;q<![CDATA[<z>]]>w&amp;v</b><c><![CDATA[x]]>&#13;<![CDATA[y]]>z</c>"
        b"<d>&#65;\r<![CDATA[x]]>y</d><e><![CDATA[x]]>a\r&apos;</e><f>&amp;\r<![CDATA[x]]>y</f></r>",
        "CDATA sections in one text with CR (referenced or literal) and references: all of the text is kept")
    add("char-refs", '<r a="&#65;&#x42;&#x20AC;&#128512;">&#65;&#x42;&#x20AC;&#128512;&#x9;&#xA;</r>\n',
        "character references become UTF-8 characters (except the ones c14n escapes)")
    add("cdata", '<r><![CDATA[a < b & c > d]]><c><![CDATA[]]></c><![CDATA[x]]>y<![CDATA[\r\n]]></r>\n',
        "CDATA sections become escaped text; an empty one disappears")

    # --- comments, PIs, outside the root -----------------------------------------------------
    commented = ('<?xml version="1.0"?>\n<!-- before -->\n<r><!-- in r --><c>t<!--x-->u</c></r>\n'
                 '<!-- after 1 --><!-- after 2 -->\n')
    add("comments-with", commented, "comments kept, one LF between nodes outside the root",
        with_comments=True)
    add("comments-without", commented, "comments removed, text around them joined",
        with_comments=False)
    add("pi-inside-outside",
        '<?xml version="1.0" encoding="UTF-8"?>\n<?before data?>\n<r><?inner x="1" &amp; ?><?empty?></r>\n<?after ?>\n',
        "processing instructions kept inside and outside the root, data as written")
    add("whitespace-outside-root", '<?xml version="1.0"?>\n\n  \n<r>\n  <c/>\n</r>\n\n\t\n',
        "whitespace outside the root disappears; inside it stays")
    add("xml-decl-standalone", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><r/>',
        "the XML declaration is not part of the canonical form")

    # --- text and shapes -----------------------------------------------------------------------
    add("multibyte", '<r a="é€😀 ü" b="日本">日本語 Ελληνικά 😀 ﬁ &#xFEFF;</r>\n',
        "multibyte UTF-8 in text and attributes is copied as is")
    add("utf8-bom", b"\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<r>\xc3\xa9</r>\n",
        "a UTF-8 byte order mark is not part of the canonical form")
    add("unicode-line-separators", "<r a=\"x\u0085y\u2028z\">a\u0085b\u2028c</r>\n",
        "NEL (U+0085) and LINE SEPARATOR (U+2028) are not line ends in XML 1.0: kept as they are")
    add("empty-elements", '<r><a/><b></b><c x=""/><d> </d></r>\n',
        "empty elements become start-end pairs")
    add("whitespace-text-kept", '<r>\n  <a>  x  </a>\n\t<b/>  \n</r>',
        "whitespace-only text between elements is kept")
    add("deep-nesting", _deep(60), "60 levels, prefixes and default namespaces redeclared on the way")

    # --- InclusiveNamespaces PrefixList (whole document) ---------------------------------------
    add("inclusive-ns-prefixes", '<r xmlns:p="urn:p" xmlns:q="urn:q" xmlns:s="urn:s"><c/></r>\n',
        "p and q from the PrefixList are rendered on the root although unused; s is not",
        inclusive_namespaces="p q")
    add("inclusive-ns-not-in-scope", '<r xmlns:p="urn:p"><c/></r>\n',
        "a PrefixList naming an undeclared prefix changes nothing",
        inclusive_namespaces="zz")
    add("inclusive-ns-default-whole", '<p:r xmlns:p="urn:p" xmlns="urn:d"><p:c/></p:r>\n',
        "#default in the PrefixList renders the default namespace on the root",
        inclusive_namespaces="#default")

    # --- subtrees (id) -------------------------------------------------------------------------
    add("subtree-ancestor-ns-used",
        '<r xmlns:a="urn:a" xmlns:b="urn:b"><x><a:y ID="y1" b:k="v"><a:z/></a:y></x></r>\n',
        "the apex renders the ancestor declarations it uses (a, b)", id="y1")
    add("subtree-ancestor-ns-unused",
        '<r xmlns:a="urn:a" xmlns:u="urn:u" xmlns="urn:d"><a:y ID="y1"><a:z/></a:y></r>\n',
        "ancestor declarations the subtree does not use (u, default) are not rendered", id="y1")
    add("subtree-ancestor-default-ns",
        '<r xmlns="urn:d"><c><d ID="d1"><e/></d></c></r>\n',
        "the default namespace of an ancestor is rendered on the apex", id="d1")
    add("subtree-xmlns-empty-apex",
        '<r xmlns="urn:d"><c xmlns="" ID="c1"><d/></c></r>\n',
        'an apex that undeclares the default renders no xmlns="" (no output ancestor)', id="c1")
    add("subtree-nested-undeclare",
        '<r xmlns="urn:d"><p:c xmlns:p="urn:p" ID="c1"><d xmlns=""/><e xmlns="urn:e"><f xmlns=""/></e></p:c></r>\n',
        'xmlns="" inside the subtree is rendered only under a rendered non-empty default', id="c1")
    add("subtree-xml-attrs-not-inherited",
        '<r xml:lang="en" xml:space="preserve"><c ID="c1"><d xml:lang="fr"/></c></r>\n',
        "exclusive c14n does not pull xml:* attributes down from ancestors", id="c1")
    add("subtree-with-comments",
        '<r xmlns:a="urn:a"><!--r--><a:c ID="c1"><!--one-->t<!--two--></a:c></r>\n',
        "subtree with comments kept", id="c1", with_comments=True)
    add("subtree-without-comments",
        '<r xmlns:a="urn:a"><!--r--><a:c ID="c1"><!--one-->t<!--two--></a:c></r>\n',
        "subtree with comments removed", id="c1")
    add("subtree-inclusive-prefix",
        '<r xmlns:xs="urn:xs" xmlns:xsi="urn:xsi" xmlns:p="urn:p"><p:v ID="v1" xsi:type="xs:string">x</p:v></r>\n',
        "xs is only used inside an attribute value; the PrefixList keeps its declaration",
        id="v1", inclusive_namespaces="xs")
    add("subtree-without-inclusive-prefix",
        '<r xmlns:xs="urn:xs" xmlns:xsi="urn:xsi" xmlns:p="urn:p"><p:v ID="v1" xsi:type="xs:string">x</p:v></r>\n',
        "the same subtree without a PrefixList loses xmlns:xs (QName in content is not visible use)",
        id="v1")
    add("subtree-inclusive-default",
        '<r xmlns="urn:d" xmlns:p="urn:p"><p:c ID="c1"><p:d/></p:c></r>\n',
        "#default renders the ancestor's default namespace on a prefixed apex",
        id="c1", inclusive_namespaces="#default")
    add("subtree-inclusive-redundant",
        '<r xmlns:p="urn:p" xmlns:q="urn:q"><c ID="c1"><p:d xmlns:q="urn:q"/><q:e/></c></r>\n',
        "PrefixList prefixes are rendered once on the apex, not again below",
        id="c1", inclusive_namespaces="p q")
    add("saml-assertion-subtree", SAML_RESPONSE,
        "the assertion of a SAML Response: namespaces from the Response, comment in NameID dropped",
        id="_assert1")
    add("saml-assertion-subtree-inclusive", SAML_RESPONSE,
        "the same assertion with PrefixList \"xs\" as some IdPs sign it",
        id="_assert1", inclusive_namespaces="xs")
    add("saml-response-whole", SAML_RESPONSE,
        "the whole Response, comments removed", with_comments=False)
    add("saml-response-whole-comments", SAML_RESPONSE,
        "the whole Response, comments kept", with_comments=True)
    return c
