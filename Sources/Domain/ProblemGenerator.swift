// Seeded generation of multi-step word problems. A story starts from a number and changes it by a
// sequence of events; each event is one computation on the running total, except a group event ("buys
// 3 bags with 4 apples in each"), which first multiplies two stated numbers and then adds or takes away
// the product, so that plans are trees and not only chains. Every value along the way is a positive
// integer: subtractions stay above zero and divisions are exact.
//
// Problem `i` of a seed depends only on the seed, `i` and the settings, not on how many are asked for.

public struct ProblemGenerator: Sendable {
    public let settings: WorldSettings

    public init(settings: WorldSettings = WorldSettings()) throws(WorldSettingsError) {
        self.settings = try settings.validated()
    }

    public func problems(count: Int, seed: UInt64) -> [WorldProblem] {
        (0..<count).map { problem(index: $0, seed: seed) }
    }

    public func problem(index: Int, seed: UInt64) -> WorldProblem {
        var random = WorldRandom(seed: seed &+ UInt64(index) &* 0xD1B5_4A32_D192_ED03)
        let theme = StoryTheme.named(random.pick(settings.themes))!
        var story = Story(theme: theme, person: random.pick(theme.people), start: random.draw(settings.startRange))
        let stepCount = random.draw(settings.stepCounts)
        while story.plan.count < stepCount {
            let stepsLeft = stepCount - story.plan.count
            let event = random.pick(feasibleEvents(story: story, stepsLeft: stepsLeft))
            story.tell(event, stepsLeft: stepsLeft, random: &random, settings: settings)
        }
        return story.problem(id: "world-\(seed)-\(index)")
    }

    private func feasibleEvents(story: Story, stepsLeft: Int) -> [Story.Event] {
        let operations = settings.operations
        let operands = settings.operandRange
        // A gain always fits: every total leaves room for the smallest gain at each step still to come.
        var events: [Story.Event] = [.gain]
        if operations.contains(.subtract) && story.total - 1 >= operands.lowerBound { events.append(.loss) }
        if operations.contains(.multiply)
            && story.total * operands.lowerBound <= settings.ceiling(stepsAfter: stepsLeft - 1)
        {
            events.append(.growth)
        }
        if operations.contains(.divide) && !settings.exactDivisors(of: story.total).isEmpty { events.append(.split) }
        if stepsLeft >= 2 && operations.contains(.multiply) {
            if story.total + operands.lowerBound * operands.lowerBound <= settings.ceiling(stepsAfter: stepsLeft - 2) {
                events.append(.groupGain)
            }
            if operations.contains(.subtract) && story.total > operands.lowerBound * operands.lowerBound {
                events.append(.groupLoss)
            }
        }
        return events
    }
}

/// A story being told: its sentences, stated numbers and plan so far.
private struct Story {
    enum Event {
        case gain, loss, growth, split, groupGain, groupLoss
    }

    let theme: StoryTheme
    let person: StoryTheme.Person
    var sentences: [String]
    var givens: [Int]
    var plan: [PlanStep] = []
    /// Where the running total comes from and its value.
    var current: PlanOperand = .given(0)
    var total: Int

    init(theme: StoryTheme, person: StoryTheme.Person, start: Int) {
        self.theme = theme
        self.person = person
        sentences = ["\(person.name) has \(start) \(theme.items)."]
        givens = [start]
        total = start
    }

    var pronoun: String { person.pronoun }
    var lowerPronoun: String { person.pronoun.lowercased() }

    mutating func tell(_ event: Event, stepsLeft: Int, random: inout WorldRandom, settings: WorldSettings) {
        let operands = settings.operandRange
        let ceiling = settings.ceiling(stepsAfter: stepsLeft - 1)
        let items = theme.items
        switch event {
        case .gain:
            let amount = state(random.draw(operands.lowerBound...min(operands.upperBound, ceiling - total)))
            sentences.append("\(pronoun) \(theme.gains) \(amount.value) more \(items).")
            apply(.add, amount, "\(person.name) \(theme.gains) \(amount.value) more \(items), so \(lowerPronoun) has")
        case .loss:
            let amount = state(random.draw(operands.lowerBound...min(operands.upperBound, total - 1)))
            sentences.append("\(pronoun) \(theme.loses) \(amount.value) \(items).")
            apply(.subtract, amount, "\(person.name) \(theme.loses) \(amount.value) \(items), so \(lowerPronoun) has")
        case .growth:
            let factor = state(random.draw(operands.lowerBound...min(operands.upperBound, ceiling / total)))
            sentences.append("Then the number of \(items) \(lowerPronoun) has becomes \(factor.value) times as large.")
            apply(.multiply, factor, "The \(items) become \(factor.value) times as many, so \(person.name) has")
        case .split:
            let parts = state(random.pick(settings.exactDivisors(of: total)))
            sentences.append("\(pronoun) splits the \(items) into \(parts.value) equal groups and keeps one group.")
            apply(
                .divide, parts,
                "\(person.name) splits the \(items) into \(parts.value) equal groups and keeps one, so \(lowerPronoun) has"
            )
        case .groupGain, .groupLoss:
            let isGain = event == .groupGain
            let largestProduct = isGain ? settings.ceiling(stepsAfter: stepsLeft - 2) - total : total - 1
            let count = random.draw(
                operands.lowerBound...min(operands.upperBound, largestProduct / operands.lowerBound))
            let size = random.draw(operands.lowerBound...min(operands.upperBound, largestProduct / count))
            let verb = isGain ? theme.gains : theme.loses
            sentences.append(
                "\(pronoun) \(verb) \(count) \(theme.containers) with \(size) \(items) in each.")
            let countOperand = state(count).operand
            let sizeOperand = state(size).operand
            plan.append(
                PlanStep(
                    operation: .multiply, left: countOperand, right: sizeOperand, value: count * size,
                    narration: "\(count) \(theme.containers) with \(size) \(items) each hold"))
            let verbing = isGain ? "Adding" : "Taking away"
            apply(
                isGain ? .add : .subtract, (.step(plan.count - 1), count * size),
                "\(verbing) the \(items) in the \(theme.containers), \(person.name) has")
        }
    }

    /// Records a number the text states and returns where plans find it.
    private mutating func state(_ value: Int) -> (operand: PlanOperand, value: Int) {
        givens.append(value)
        return (.given(givens.count - 1), value)
    }

    /// Applies `operation` to the running total and `operand`, and makes the result the running total.
    private mutating func apply(
        _ operation: ArithmeticOperation, _ right: (operand: PlanOperand, value: Int), _ narration: String
    ) {
        // Exact: every value is a small integer and divisions are chosen to divide.
        let value = Int(operation.apply(Double(total), Double(right.value))!)
        plan.append(
            PlanStep(operation: operation, left: current, right: right.operand, value: value, narration: narration))
        current = .step(plan.count - 1)
        total = value
    }

    func problem(id: String) -> WorldProblem {
        let question = "How many \(theme.items) does \(person.name) have now?"
        return WorldProblem(
            id: id, theme: theme.name, items: theme.items, text: (sentences + [question]).joined(separator: " "),
            givens: givens, plan: plan)
    }
}
