import Foundation
import SigV4
import Testing
@testable import Endpoint

/// Hostile S3 request bodies are errors, never a crash of the endpoint. The reader of S3 request
/// documents (Delete, CompleteMultipartUpload, Tagging, CreateBucketConfiguration): what is not
/// well-formed UTF-8 XML is MalformedXML. aws-chunked bodies of those requests: the declared
/// decoded length is checked, not trusted.
@Suite struct S3RequestBodyTests {
    /// An element name with a byte that is not UTF-8 (found by the endpoint fuzz target): libxml2
    /// recovers and hands the name on, and FoundationXML used to trap on it.
    static let invalidName = Data("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstr".utf8)
        + Data([0xF0]) + Data("int>eu-west-1</LocationConstraint></CreateBucketConfiguration>".utf8)

    @Test func bodiesThatAreNotUTF8AreMalformed() {
        #expect(XMLDoc.parse(Self.invalidName) == nil)
        #expect(XMLDoc.parse(Data("<Delete><Object><Key>a</Key></Object><!-- \u{FF} -->".utf8) + Data([0xC3, 0x28]) + Data("</Delete>".utf8)) == nil)
        #expect(XMLDoc.parse(Data([0x3C, 0x61, 0xFF, 0x3E, 0x3C, 0x2F, 0x61, 0xFF, 0x3E])) == nil)
    }

    @Test func documentTypeDeclarationsAreRefused() {
        let entities = """
            <?xml version="1.0"?><!DOCTYPE Tagging [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
            <Tagging><TagSet><Tag><Key>k</Key><Value>&b;</Value></Tag></TagSet></Tagging>
            """
        #expect(XMLDoc.parse(Data(entities.utf8)) == nil)
    }

    /// A processing instruction without data (found by the endpoint fuzz target, `<?s?>`):
    /// libxml2 passes its data as NULL and FoundationXML read it (a segmentation fault).
    @Test(arguments: ["<?s?>)", "<Delete><?pi?><Object><Key>k</Key></Object></Delete>", "<?xml-stylesheet?><Tagging/>",
                      "<?xml version=\"1.0\"?><?s?><Tagging/>", "<?xml?><Tagging/>", "\u{FEFF}<?s?><Tagging/>"])
    func processingInstructionsAreMalformed(body: String) {
        #expect(XMLDoc.parse(Data(body.utf8)) == nil)
    }

    @Test func theXMLDeclarationIsNotAProcessingInstruction() {
        #expect(XMLDoc.parse(Data("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Tagging/>".utf8))?.name == "Tagging")
        #expect(XMLDoc.parse(Data("\u{FEFF}<?xml version='1.0'?><Tagging/>".utf8))?.name == "Tagging")
        #expect(XMLDoc.parse(Data("<Tagging><TagSet/></Tagging>".utf8))?.name == "Tagging")
    }

    @Test func wellFormedDocumentsStillParse() throws {
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet><Tag><Key>caf\u{E9}</Key><Value>&lt;1&gt;</Value></Tag></TagSet></Tagging>"
        let doc = try #require(XMLDoc.parse(Data(body.utf8)))
        #expect(doc.name == "Tagging")
        let tag = try #require(doc.child("TagSet")?.child("Tag"))
        #expect(tag.child("Key")?.text == "caf\u{E9}")
        #expect(tag.child("Value")?.text == "<1>")
    }

    /// The request that crashed the endpoint: anonymous, to a bucket that exists, answered MalformedXML.
    @Test func anonymousDeleteObjectsWithAnInvalidNameIsMalformedXML() async throws {
        try await Harness.with { h in
            let body = Data("<Delete><Object><Ke".utf8) + Data([0xF0]) + Data("y>k</Key></Object></Delete>".utf8)
            let request = EndpointRequest(
                method: "POST", rawPath: "/\(dataBucket)", rawQuery: "delete",
                headers: [("host", "127.0.0.1"), ("x-amz-checksum-crc32", S3Checksum.crc32.base64(of: body))],
                body: body, requestId: "TESTREQUEST00001")
            let response = await h.endpoint.router.route(request, endpoint: h.endpoint)
            #expect(response.status == 400)
            #expect(String(decoding: response.body, as: UTF8.self).contains("<Code>MalformedXML</Code>"))
        }
    }

    /// DeleteObjects decodes an aws-chunked body in memory before authorizing; a huge declared
    /// length used to be reserved up front (found by the chunked fuzz target).
    @Test func anonymousChunkedBodyWithAHugeDeclaredLengthIsIncomplete() async throws {
        try await Harness.with { h in
            let xml = Data("<Delete><Object><Key>k</Key></Object></Delete>".utf8)
            let body = Data("\(String(xml.count, radix: 16))\r\n".utf8) + xml + Data("\r\n0\r\n\r\n".utf8)
            let request = EndpointRequest(
                method: "POST", rawPath: "/\(dataBucket)", rawQuery: "delete",
                headers: [("host", "127.0.0.1"), ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
                          ("content-encoding", "aws-chunked"), ("x-amz-decoded-content-length", "940422246676037669"),
                          ("x-amz-checksum-crc32", S3Checksum.crc32.base64(of: xml))],
                body: body, requestId: "TESTREQUEST00002")
            let response = await h.endpoint.router.route(request, endpoint: h.endpoint)
            #expect(response.status == 400)
            #expect(String(decoding: response.body, as: UTF8.self).contains("<Code>IncompleteBody</Code>"))
        }
    }
}
