// The verifier's two few-shot examples, written for this project in the release's layout
// (spark-paper.md §2.4): one solution whose steps are all correct, and one whose first error
// propagates, every later step that uses it marked incorrect, as the labelling convention says.

struct VerifierExample {
    let question: String
    let solution: String
    /// The expected answer, shown only in the reference-guided prompt.
    let answer: String
    let verification: String
}

enum VerifierExamples {
    static let all = [allCorrect, propagatedError]

    static let allCorrect = VerifierExample(
        question:
            "A baker makes 4 trays of 15 cookies each and sells 38 of the cookies. How many cookies are left?",
        solution: """
            Step 1: Count the cookies the baker makes. There are 4 trays with 15 cookies each, so 4 × 15 = 60 cookies.
            Step 2: Take away the cookies that were sold: 60 - 38 = 22 cookies.
            Answer: 22
            """,
        answer: "22",
        verification: """
            ## Step 1: Count the cookies the baker makes
            The student multiplies the number of trays by the cookies on each tray. 4 × 15 = 60 is the right computation with the right numbers.

            **This step is correct.**

            ## Step 2: Take away the cookies that were sold
            Subtracting the 38 sold cookies from the 60 made is what the question asks, and 60 - 38 = 22 is right.

            **This step is correct.**

            **Verification: Is the answer correct (Yes/No)? Yes**
            """)

    static let propagatedError = VerifierExample(
        question:
            "A school orders 6 boxes of 25 pencils. It gives 30 pencils to the art club and shares the rest equally among 5 classes. How many pencils does each class get?",
        solution: """
            Step 1: Find the number of pencils ordered: 6 × 25 = 140 pencils.
            Step 2: Take away the pencils for the art club: 140 - 30 = 110 pencils.
            Step 3: Share them among the classes: 110 ÷ 5 = 22 pencils per class.
            Answer: 22
            """,
        answer: "24",
        verification: """
            ## Step 1: Find the number of pencils ordered
            Multiplying the boxes by the pencils per box is the right approach, but 6 × 25 = 150, not 140.

            **This step is incorrect.**

            ## Step 2: Take away the pencils for the art club
            The subtraction 140 - 30 = 110 is computed correctly, but it starts from the wrong total of Step 1; with 150 pencils the rest would be 120.

            **This step is incorrect.**

            ## Step 3: Share them among the classes
            Dividing by the 5 classes is the right idea and 110 ÷ 5 = 22 is computed correctly, but 110 carries the error of Step 1, so the share is wrong; it should be 120 ÷ 5 = 24.

            **This step is incorrect.**

            **Verification: Is the answer correct (Yes/No)? No**
            """)
}
