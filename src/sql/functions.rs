//! Functions tutas adds to the SQL engine: `IF` and `COUNTIF`, so BigQuery SQL runs,
//! date-time arithmetic in whole units (`add_days(ts, n)`, `add_hours`, `add_minutes`,
//! `add_seconds`), which SQL engines spell in incompatible ways, and a `ROUND` of floats that
//! rounds the value as stored (as DuckDB does; see [`crate::numeric::round_half_away`]).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array};
use datafusion::arrow::compute::kernels::zip::zip;
use datafusion::arrow::compute::{cast, prep_null_mask_filter};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature, Volatility, create_udaf,
};

/// The functions, registered on every engine.
pub(super) fn register(ctx: &datafusion::prelude::SessionContext) {
    ctx.register_udf(ScalarUDF::from(ExactRound::new()));
    ctx.register_udf(ScalarUDF::from(IfFunction::new()));
    ctx.register_udaf(countif());
    for (name, seconds) in ADD_FUNCTIONS {
        ctx.register_udf(ScalarUDF::from(AddTime::new(name, *seconds)));
    }
}

/// The date-time arithmetic functions and the seconds in their unit.
pub const ADD_FUNCTIONS: &[(&str, i64)] = &[
    ("add_days", 86_400),
    ("add_hours", 3_600),
    ("add_minutes", 60),
    ("add_seconds", 1),
];

/// `add_<unit>(ts, n)`: the date-time `n` units after `ts` (before it when `n` is negative);
/// NULL when either is NULL. A fractional `n` is rounded to the nearest second.
#[derive(Debug, PartialEq, Eq, Hash)]
struct AddTime {
    name: String,
    seconds: i64,
    signature: Signature,
}

impl AddTime {
    fn new(name: &str, seconds: i64) -> Self {
        AddTime {
            name: name.to_string(),
            seconds,
            signature: Signature::any(2, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for AddTime {
    fn name(&self) -> &str {
        &self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, args: &[DataType]) -> datafusion::error::Result<DataType> {
        match (&args[0], &args[1]) {
            (DataType::Timestamp(..), n) if n.is_numeric() || *n == DataType::Null => {
                Ok(args[0].clone())
            }
            (DataType::Null, _) => Ok(DataType::Timestamp(TimeUnit::Second, None)),
            (a, b) => datafusion::common::plan_err!(
                "{}(date_time, number) takes a date-time and a number, found {a} and {b}",
                self.name
            ),
        }
    }
    fn invoke_with_args(
        &self,
        args: ScalarFunctionArgs,
    ) -> datafusion::error::Result<ColumnarValue> {
        let target = args.return_field.data_type().clone();
        let per_second = match &target {
            DataType::Timestamp(TimeUnit::Second, _) => 1,
            DataType::Timestamp(TimeUnit::Millisecond, _) => 1_000,
            DataType::Timestamp(TimeUnit::Microsecond, _) => 1_000_000,
            _ => 1_000_000_000,
        };
        let scalars = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let ts = cast(&cast(&arrays[0], &target)?, &DataType::Int64)?;
        let n = cast(&arrays[1], &DataType::Float64)?;
        let step = (self.seconds * per_second) as f64;
        let sums: Int64Array = ts
            .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
            .iter()
            .zip(n.as_primitive::<datafusion::arrow::datatypes::Float64Type>())
            .map(|(t, n)| Some(t? + (n? * step).round() as i64))
            .collect();
        let out = cast(&(Arc::new(sums) as ArrayRef), &target)?;
        Ok(if scalars && args.number_rows == 1 {
            ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?)
        } else {
            ColumnarValue::Array(out)
        })
    }
}

/// BigQuery's `IF(condition, then, else)`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct IfFunction {
    signature: Signature,
}

impl IfFunction {
    fn new() -> Self {
        IfFunction {
            signature: Signature::any(3, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for IfFunction {
    fn name(&self) -> &str {
        "if"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, args: &[DataType]) -> datafusion::error::Result<DataType> {
        Ok(if args[1] == DataType::Null {
            args[2].clone()
        } else {
            args[1].clone()
        })
    }
    fn invoke_with_args(
        &self,
        args: ScalarFunctionArgs,
    ) -> datafusion::error::Result<ColumnarValue> {
        let n = args.number_rows;
        let target = args.return_field.data_type().clone();
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let condition = cast(&arrays[0], &DataType::Boolean)?;
        let condition = condition.as_boolean();
        let condition = if condition.null_count() > 0 {
            prep_null_mask_filter(condition)
        } else {
            condition.clone()
        };
        let then = cast(&arrays[1], &target)?;
        let otherwise = cast(&arrays[2], &target)?;
        let out = zip(&condition, &then, &otherwise)?;
        Ok(
            if n == 1
                && args
                    .args
                    .iter()
                    .all(|a| matches!(a, ColumnarValue::Scalar(_)))
            {
                ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?)
            } else {
                ColumnarValue::Array(out)
            },
        )
    }
}

/// BigQuery's `COUNTIF(condition)`: the number of rows where the condition is true.
fn countif() -> AggregateUDF {
    create_udaf(
        "countif",
        vec![DataType::Boolean],
        Arc::new(DataType::Int64),
        Volatility::Immutable,
        Arc::new(|_| Ok(Box::new(CountIf { count: 0 }))),
        Arc::new(vec![DataType::Int64]),
    )
}

#[derive(Debug)]
struct CountIf {
    count: i64,
}

impl Accumulator for CountIf {
    fn update_batch(&mut self, values: &[ArrayRef]) -> datafusion::error::Result<()> {
        let b = values[0].as_boolean();
        self.count += b.iter().filter(|v| *v == Some(true)).count() as i64;
        Ok(())
    }
    fn evaluate(&mut self) -> datafusion::error::Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(self.count)))
    }
    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }
    fn state(&mut self) -> datafusion::error::Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Int64(Some(self.count))])
    }
    fn merge_batch(&mut self, states: &[ArrayRef]) -> datafusion::error::Result<()> {
        let a = states[0]
            .as_any()
            .downcast_ref::<Int64Array>()
            .expect("countif state is Int64");
        self.count += a.iter().flatten().sum::<i64>();
        Ok(())
    }
}

/// `ROUND(x [, d])`: DataFusion's, except for floats, which are rounded as stored, halves away
/// from zero ([`crate::numeric::round_half_away`]): DataFusion rounds `x · 10^d`, which is
/// not always the stored value's rounding (`ROUND(434.0 / 8000, 4)`: 0.0543, not 0.0542).
#[derive(Debug, PartialEq, Eq, Hash)]
struct ExactRound {
    inner: ScalarUDF,
}

impl ExactRound {
    fn new() -> Self {
        ExactRound {
            inner: datafusion::functions::math::round().as_ref().clone(),
        }
    }
}

impl ScalarUDFImpl for ExactRound {
    fn name(&self) -> &str {
        "round"
    }
    fn signature(&self) -> &Signature {
        self.inner.signature()
    }
    fn is_strict(&self) -> bool {
        true
    }
    fn return_type(&self, args: &[DataType]) -> datafusion::error::Result<DataType> {
        self.inner.return_type(args)
    }
    fn return_field_from_args(
        &self,
        args: datafusion::logical_expr::ReturnFieldArgs,
    ) -> datafusion::error::Result<datafusion::arrow::datatypes::FieldRef> {
        self.inner.return_field_from_args(args)
    }
    fn invoke_with_args(
        &self,
        args: ScalarFunctionArgs,
    ) -> datafusion::error::Result<ColumnarValue> {
        let input = args.args[0].data_type();
        if !matches!(input, DataType::Float64 | DataType::Float32) {
            return self.inner.invoke_with_args(args);
        }
        let rows = args.number_rows;
        let scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        // A 32-bit float widens to a double exactly: rounded as stored, then narrowed back.
        let x = cast(&args.args[0].clone().into_array(rows)?, &DataType::Float64)?;
        let x = x.as_primitive::<datafusion::arrow::datatypes::Float64Type>();
        let d = match args.args.get(1) {
            Some(d) => cast(&d.clone().into_array(rows)?, &DataType::Int32)?,
            None => Arc::new(datafusion::arrow::array::Int32Array::from(vec![0; rows])),
        };
        let d = d.as_primitive::<datafusion::arrow::datatypes::Int32Type>();
        let rounded: datafusion::arrow::array::Float64Array = x
            .iter()
            .zip(d.iter())
            .map(|(x, d)| Some(crate::numeric::round_half_away(x?, d?)))
            .collect();
        let rounded: ArrayRef = cast(&(Arc::new(rounded) as ArrayRef), &input)?;
        Ok(match scalar {
            true => ColumnarValue::Scalar(ScalarValue::try_from_array(&rounded, 0)?),
            false => ColumnarValue::Array(rounded),
        })
    }
}
