import Foundation
import Testing
@testable import PythonHost

extension InProcessPython {
    /// awsglue.utils.getResolvedOptions as Glue's own behaves, one case per row.
    @Suite struct GetResolvedOptionsTests {
        struct Case: Sendable, CustomTestStringConvertible {
            var name: String
            var arguments: [String]
            var options: [String]
            /// Expected entries of the returned dict (others are not checked), or the expected error.
            var expected: [String: String?] = [:]
            var error: String? = nil
            var testDescription: String { name }
        }

        static let cases: [Case] = [
            Case(name: "required", arguments: ["--JOB_NAME", "j", "--S3_BUCKET", "b"], options: ["JOB_NAME", "S3_BUCKET"],
                 expected: ["JOB_NAME": "j", "S3_BUCKET": "b"]),
            Case(name: "missing", arguments: ["--JOB_NAME", "j"], options: ["JOB_NAME", "S3_BUCKET"],
                 error: "GlueArgumentError: the following arguments are required: --S3_BUCKET"),
            Case(name: "equals form", arguments: ["--a=1"], options: ["a"], expected: ["a": "1"]),
            Case(name: "last repeat wins", arguments: ["--a", "1", "--a", "2"], options: ["a"], expected: ["a": "2"]),
            Case(name: "hyphen becomes underscore", arguments: ["--my-opt", "v"], options: ["my-opt"], expected: ["my_opt": "v"]),
            Case(name: "value starting with dashes", arguments: ["--a", "--b"], options: ["a"],
                 error: "GlueArgumentError: argument --a: expected one argument"),
            Case(name: "bare flags and unknown arguments ignored",
                 arguments: ["--enable-metrics", "--a", "x", "--continuous-log-logGroup", "g", "stray"], options: ["a"],
                 expected: ["a": "x"]),
            Case(name: "no bool parsing", arguments: ["--flag", "true"], options: ["flag"], expected: ["flag": "true"]),
            Case(name: "defaults", arguments: [], options: [],
                 expected: ["job_bookmark_option": "job-bookmark-disable", "job_bookmark_from": nil, "job_bookmark_to": nil,
                            "JOB_ID": nil, "JOB_RUN_ID": nil, "SECURITY_CONFIGURATION": nil, "encryption_type": nil,
                            "enable_data_lineage": nil, "TempDir": nil, "RedshiftTempDir": nil]),
            Case(name: "TempDir mirrored", arguments: ["--TempDir", "s3://t/"], options: ["TempDir"],
                 expected: ["TempDir": "s3://t/", "RedshiftTempDir": "s3://t/"]),
            Case(name: "RedshiftTempDir mirrored", arguments: ["--RedshiftTempDir", "s3://r/"], options: [],
                 expected: ["TempDir": "s3://r/", "RedshiftTempDir": "s3://r/"]),
            Case(name: "TempDir never required", arguments: [], options: ["TempDir"], expected: ["TempDir": nil]),
            Case(name: "bookmark option", arguments: ["--job-bookmark-option", "job-bookmark-enable"], options: [],
                 expected: ["job_bookmark_option": "job-bookmark-enable"]),
            Case(name: "bookmark invalid choice", arguments: ["--job-bookmark-option", "on"], options: [],
                 error: "GlueArgumentError: argument --job-bookmark-option: invalid choice: 'on'"),
            Case(name: "continuation translated", arguments: ["--continuation-option", "continuation-enabled"], options: [],
                 expected: ["job_bookmark_option": "job-bookmark-enable"]),
            Case(name: "reserved job-bookmark-option", arguments: [], options: ["job-bookmark-option"],
                 error: "RuntimeError: Using reserved arguments job-bookmark-option"),
            Case(name: "reserved continuation-option", arguments: [], options: ["continuation-option"],
                 error: "RuntimeError: Using reserved arguments continuation-option"),
            Case(name: "reserved job-bookmark-from", arguments: [], options: ["job-bookmark-from"],
                 error: "RuntimeError: Using reserved arguments --job-bookmark-from"),
            Case(name: "reserved job-bookmark-to", arguments: [], options: ["job-bookmark-to"],
                 error: "RuntimeError: Using reserved arguments --job-bookmark-to"),
            Case(name: "JOB_NAME is not reserved", arguments: ["--JOB_NAME", "n"], options: ["JOB_NAME"], expected: ["JOB_NAME": "n"]),
            Case(name: "abbreviation", arguments: ["--S3_B", "x"], options: ["S3_BUCKET"], expected: ["S3_BUCKET": "x"]),
            Case(name: "Glue's observed argv",
                 arguments: ["--enable-metrics", "--continuous-log-logGroup", "x", "--enable-continuous-log-filter", "false",
                             "--enable-continuous-cloudwatch-log", "true", "--job-bookmark-option", "job-bookmark-disable",
                             "--scriptLocation", "s3://b/test.py", "--job-language", "python", "--S3_BUCKET", "adx-glue-jobs",
                             "--TempDir", "s3://b/temp"],
                 options: ["S3_BUCKET"],
                 expected: ["S3_BUCKET": "adx-glue-jobs", "TempDir": "s3://b/temp", "RedshiftTempDir": "s3://b/temp",
                            "job_bookmark_option": "job-bookmark-disable"]),
        ]

        @Test(arguments: cases)
        func resolve(_ row: Case) throws {
            let source = """
                from awsglue.utils import getResolvedOptions
                options = \(Self.pythonList(row.options))
                try:
                    emit({'result': getResolvedOptions(_sys.argv, options)})
                except Exception as error:
                    emit({'error': type(error).__name__ + ': ' + str(error)})
                """
            let run = runScript(source, arguments: row.arguments)
            #expect(run.status == 0, "\(run.stderr)")
            let outcome = try #require(run.result as? [String: Any])
            if let error = row.error {
                let message = try #require(outcome["error"] as? String, "expected \(error), got \(outcome)")
                #expect(message.hasPrefix(error))
            } else {
                let result = try #require(outcome["result"] as? [String: Any], "\(outcome)")
                for (key, value) in row.expected {
                    let actual = try #require(result.index(forKey: key).map { result[$0].value }, "missing key \(key)")
                    if let value {
                        #expect(actual as? String == value, "\(key)")
                    } else {
                        #expect(actual is NSNull, "\(key)")
                    }
                }
            }
        }

        @Test func missingRequiredArgumentEndsTheJobWith2() {
            let run = runScript(
                "from awsglue.utils import getResolvedOptions\nimport sys\ngetResolvedOptions(sys.argv, ['JOB_NAME'])\n")
            #expect(run.status == 2)
            #expect(run.stderr.contains("awsglue.utils.GlueArgumentError: the following arguments are required: --JOB_NAME\n"))
        }

        static func pythonList(_ values: [String]) -> String {
            "[" + values.map(pythonString).joined(separator: ", ") + "]"
        }
    }
}
