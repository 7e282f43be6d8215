import Testing

@testable import Training

@Suite struct ProgressFormatTests {
    @Test func numbersAndDurations() {
        #expect(ProgressFormat.fixed(3.14159, 4) == "3.1416")
        #expect(ProgressFormat.fixed(1.99999, 4) == "2.0000")
        #expect(ProgressFormat.fixed(-0.5, 1) == "-0.5")
        #expect(ProgressFormat.fixed(-0.00001, 2) == "0.00")
        #expect(ProgressFormat.scientific(3e-4) == "3.00e-04")
        #expect(ProgressFormat.scientific(9.999e-4) == "1.00e-03")
        #expect(ProgressFormat.scientific(12345) == "1.23e+04")
        #expect(ProgressFormat.duration(42.4) == "42s")
        #expect(ProgressFormat.duration(200) == "3m20s")
        #expect(ProgressFormat.duration(3905) == "1h05m")
        #expect(ProgressFormat.duration(.infinity) == "?")
    }
}
