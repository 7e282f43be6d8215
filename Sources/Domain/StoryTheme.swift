// The story templates of the math world. Each theme tells the same kinds of events (getting more,
// losing some, growing, splitting, groups of items) in its own words, so that a benchmark drawn from
// some themes can be held out from training data drawn from others.

public struct StoryTheme: Sendable, Equatable {
    public struct Person: Sendable, Equatable {
        public let name: String
        /// "She" or "He", capitalised as at the start of a sentence.
        public let pronoun: String
    }

    public let name: String
    public let people: [Person]
    /// The counted items, plural ("apples").
    public let items: String
    /// A verb for getting more ("buys").
    public let gains: String
    /// A verb for losing some ("sells").
    public let loses: String
    /// What items come grouped in ("bags").
    public let containers: String

    public static let market = StoryTheme(
        name: "market", people: [Person(name: "Mia", pronoun: "She"), Person(name: "Omar", pronoun: "He")],
        items: "apples", gains: "buys", loses: "sells", containers: "bags")
    public static let library = StoryTheme(
        name: "library", people: [Person(name: "Ana", pronoun: "She"), Person(name: "Tom", pronoun: "He")],
        items: "books", gains: "receives", loses: "lends out", containers: "boxes")
    public static let farm = StoryTheme(
        name: "farm", people: [Person(name: "Leo", pronoun: "He"), Person(name: "Ines", pronoun: "She")],
        items: "eggs", gains: "collects", loses: "uses", containers: "cartons")
    public static let savings = StoryTheme(
        name: "savings", people: [Person(name: "Sara", pronoun: "She"), Person(name: "Raj", pronoun: "He")],
        items: "coins", gains: "earns", loses: "spends", containers: "jars")
    public static let workshop = StoryTheme(
        name: "workshop", people: [Person(name: "Ben", pronoun: "He"), Person(name: "Yuki", pronoun: "She")],
        items: "screws", gains: "orders", loses: "uses up", containers: "packs")

    public static let all: [StoryTheme] = [market, library, farm, savings, workshop]

    public static func named(_ name: String) -> StoryTheme? { all.first { $0.name == name } }
}
