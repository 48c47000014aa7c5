import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';
import { toHaveNoViolations } from 'jest-axe';

// A loaded machine renders slowly: waiting for an element gives up only after
// a long time (a hang guard), so no test depends on how fast the machine is.
configure({ asyncUtilTimeout: 30_000 });

expect.extend(toHaveNoViolations);
