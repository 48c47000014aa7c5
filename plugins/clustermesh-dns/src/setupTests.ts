import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// A loaded machine renders slowly: waiting for an element gives up only after
// a long time (a hang guard), so no test depends on how fast the machine is.
configure({ asyncUtilTimeout: 30_000 });
