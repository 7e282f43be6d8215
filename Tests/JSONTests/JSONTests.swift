import JSON
import Testing

@Suite struct JSONTests {
    @Test func writesWhatPythonJSONDumpsWrites() throws {
        // Expected text from Python: json.dumps(value, ensure_ascii=False, separators=(',', ':')).
        let value: JSONValue = .object([
            "a": .array([.int(1), .double(2.5), .null, .bool(true), .bool(false)]),
            "s": .string("quote\" back\\ nl\n tab\t ctl\u{01} é 中 😀"),
            "e": .object([:]),
        ])
        #expect(
            value.serialized
                == #"{"a":[1,2.5,null,true,false],"s":"quote\" back\\ nl\n tab\t ctl\u0001 é 中 😀","e":{}}"#)
    }

    @Test func parsesAndKeepsKeyOrderAndIntegerKinds() throws {
        let value = try JSONValue.parse(#"{"z": 1, "a": 2.0, "m": [true, null, "x\u0000y"], "big": 9007199254740993}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["z", "a", "m", "big"])
        #expect(object["z"] == .int(1))
        #expect(object["a"] == .double(2.0))
        #expect(object["a"]?.intValue == 2)
        #expect(object["m"] == .array([.bool(true), .null, .string("x\u{0}y")]))
        #expect(object["big"] == .int(9_007_199_254_740_993))
    }

    @Test func roundTripsThroughTheWriter() throws {
        let text = #"{"k":[-0.0001,1e+300,"\u001f\\\"",{"n":{"o":[]}}],"u":"ß𝄞"}"#
        let value = try JSONValue.parse(text)
        #expect(try JSONValue.parse(value.serialized) == value)
    }

    @Test func reportsWhereTheTextIsBroken() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse("{\"a\": [1, 2,}") }
        do {
            _ = try JSONValue.parse("{\n  \"a\": tru\n}")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 2)
            #expect(error.description.contains("line 2"))
        }
    }

    @Test func settingAndRemovingKeysKeepsOrder() {
        var object: JSONObject = ["a": .int(1), "b": .int(2), "c": .int(3)]
        object["b"] = nil
        object["a"] = .int(10)
        object["d"] = .int(4)
        #expect(object.keys == ["a", "c", "d"])
        #expect(object["c"] == .int(3))
        #expect(JSONValue.object(object).serialized == #"{"a":10,"c":3,"d":4}"#)
    }

    /// Each string used to copy the whole output written so far: these 200,000 strings (2.6 MB) took 9.8 s
    /// in a debug build, 0.26 s since.
    @Test func writesLargeDocumentsInLinearTime() {
        let value = JSONValue.array((0..<200_000).map { .string("tokenĠ\($0)") })
        let clock = ContinuousClock()
        var length = 0
        let elapsed = clock.measure { length = value.serialized.utf8.count }
        #expect(length > 2_600_000)
        #expect(elapsed < .seconds(2), "\(elapsed)")
    }
}
