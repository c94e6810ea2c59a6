import { startTestApp, TestApp } from '../support/test-app';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('serves /health/live', async () => {
    await t.http().get('/health/live').expect(200, { status: 'ok' });
  });
});
