//! Functions tutas adds to the SQL engine so BigQuery SQL runs: `IF` and `COUNTIF`.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array};
use datafusion::arrow::compute::kernels::zip::zip;
use datafusion::arrow::compute::{cast, prep_null_mask_filter};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature, Volatility, create_udaf,
};

/// The functions, registered on every engine.
pub(super) fn register(ctx: &datafusion::prelude::SessionContext) {
    ctx.register_udf(ScalarUDF::from(IfFunction::new()));
    ctx.register_udaf(countif());
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
