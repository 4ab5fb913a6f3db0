export { BigIntResolver as BigIntScalar, DateTimeResolver as DateTimeScalar, JSONResolver as JSONScalar, JSONObjectResolver as JSONObjectScalar } from 'graphql-scalars';
