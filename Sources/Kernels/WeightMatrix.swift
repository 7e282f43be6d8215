// A read-only weight matrix of `rows` outputs × `columns` inputs, stored as float32 or bfloat16, in one
// of two layouts: the Hugging Face nn.Linear layout (row-major), or repacked into panels for the
// kernels of CPUs that run those faster (CKernels' panels.c). The memory is owned by `owner` (a
// mapped checkpoint file or a converted copy), which the matrix keeps alive.

import CKernels

public enum WeightType: String, Sendable {
    case float32 = "F32"
    case bfloat16 = "BF16"

    public var byteCount: Int { self == .float32 ? 4 : 2 }

    var kernelType: sk_dtype { self == .float32 ? SK_DTYPE_F32 : SK_DTYPE_BF16 }
}

public enum WeightLayout: String, Sendable {
    /// Row after row, as checkpoints store them.
    case rowMajor
    /// Panels of `SK_PANEL_WIDTH` rows, input-major (ckernels.h).
    case panels

    /// The layout this CPU's fastest kernels read.
    public static var fastest: WeightLayout { sk_panels_preferred() != 0 ? .panels : .rowMajor }
}

public struct WeightMatrix: @unchecked Sendable {
    public let base: UnsafeRawPointer
    public let type: WeightType
    public let rows: Int
    public let columns: Int
    public let layout: WeightLayout
    let owner: AnyObject

    /// `base` must point at the matrix in `layout` (for panels, `sk_panels_element_count` elements),
    /// aligned to the element size, valid as long as `owner` lives.
    public init(
        base: UnsafeRawPointer, type: WeightType, rows: Int, columns: Int, layout: WeightLayout = .rowMajor,
        owner: AnyObject
    ) {
        precondition(Int(bitPattern: base) % type.byteCount == 0, "misaligned weight matrix")
        self.base = base
        self.type = type
        self.rows = rows
        self.columns = columns
        self.layout = layout
        self.owner = owner
    }

    public var byteCount: Int {
        let elements = layout == .panels ? sk_panels_element_count(rows, columns) : rows * columns
        return elements * type.byteCount
    }

    /// The same matrix in `layout`: itself if already so, else a repacked copy in owned memory.
    public func arranged(as layout: WeightLayout) -> WeightMatrix {
        guard layout != self.layout else { return self }
        precondition(self.layout == .rowMajor, "panels are only ever packed from rows")
        let elements = sk_panels_element_count(rows, columns)
        let storage: AnyObject
        let packed: UnsafeMutableRawPointer
        switch type {
        case .float32:
            let buffer = AlignedBuffer<Float>(count: elements)
            buffer.adviseHugePages()
            (storage, packed) = (buffer, UnsafeMutableRawPointer(buffer.pointer))
        case .bfloat16:
            let buffer = AlignedBuffer<UInt16>(count: elements)
            buffer.adviseHugePages()
            (storage, packed) = (buffer, UnsafeMutableRawPointer(buffer.pointer))
        }
        // Panels are independent: the pool's threads pack contiguous runs of them.
        let panelWidth = Int(SK_PANEL_WIDTH)
        let panelCount = (rows + panelWidth - 1) / panelWidth
        let pool = WorkerPool.shared
        let taskCount = min(panelCount, pool.threadCount)
        pool.run(taskCount: taskCount) { task in
            let first = panelCount * task / taskCount
            let end = panelCount * (task + 1) / taskCount
            let firstRow = first * panelWidth
            sk_pack_panels(
                base + firstRow * columns * type.byteCount, type.kernelType, min(rows, end * panelWidth) - firstRow,
                columns, packed + firstRow * columns * type.byteCount)
        }
        return WeightMatrix(base: packed, type: type, rows: rows, columns: columns, layout: layout, owner: storage)
    }

    /// Copies row `row` into `destination` as float32.
    public func copyRow(_ row: Int, to destination: UnsafeMutablePointer<Float>) {
        precondition(row >= 0 && row < rows, "row \(row) out of 0..<\(rows)")
        switch (layout, type) {
        case (.panels, _):
            sk_panels_row_to_f32(base, type.kernelType, columns, row, destination)
        case (.rowMajor, .float32):
            destination.update(from: base.assumingMemoryBound(to: Float.self) + row * columns, count: columns)
        case (.rowMajor, .bfloat16):
            sk_bf16_to_f32(base.assumingMemoryBound(to: UInt16.self) + row * columns, destination, columns)
        }
    }
}
