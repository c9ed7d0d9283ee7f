#!/usr/bin/python3
"""Drives a `lockgraph html` page in headless Chromium and prints, as one JSON
object on stdout, what the page shows: its counts, the classes drawn after a
search and after clicking each cycle, the details of a clicked dependency,
console errors, and whether any script from the graph's names ran. It asserts
nothing: viewer_browser_test.cc compares what it prints with the graph file.

usage: viewer_driver.py PAGE.html PROFILE_DIR SEARCH_TEXT
Exit status 3 when Chromium or its driver cannot be started.
"""
import json
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait


def drawn_names(driver):
    return [e.get_attribute('textContent')
            for e in driver.find_elements(By.CSS_SELECTOR, '#graph .class-node text.name')]


def alert_text(driver):
    try:
        alert = driver.switch_to.alert
        text = alert.text
        alert.dismiss()
        return text
    except NoAlertPresentException:
        return None


def main():
    page, profile, search = sys.argv[1], sys.argv[2], sys.argv[3]
    options = webdriver.ChromeOptions()
    options.binary_location = '/usr/bin/chromium'
    for flag in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
                 '--no-first-run', '--disable-extensions', '--user-data-dir=' + profile,
                 '--window-size=1400,900'):
        options.add_argument(flag)
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    try:
        driver = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=options)
    except Exception as e:  # no usable Chromium: the test skips, saying why
        print('cannot start Chromium: %s' % str(e).splitlines()[0], file=sys.stderr)
        return 3
    seen = {}
    try:
        driver.set_page_load_timeout(40)
        driver.set_script_timeout(20)
        started = time.monotonic()
        driver.get('file://' + page)
        WebDriverWait(driver, 40).until(
            lambda d: d.execute_script('return document.body.dataset.ready === "1"'))
        seen['load_ms'] = driver.execute_script('return window.lockgraphLoadMs')
        seen['wall_ms'] = (time.monotonic() - started) * 1000
        text = lambda css: driver.find_element(By.CSS_SELECTOR, css).get_attribute('textContent')
        seen['class_count'] = text('#class-count')
        seen['dep_count'] = text('#dep-count')
        seen['cycle_count'] = text('#cycle-count')
        seen['first_drawn'] = drawn_names(driver)

        box = driver.find_element(By.ID, 'search')
        box.send_keys(search)
        box.send_keys(Keys.ENTER)
        seen['search'] = {
            'matches': [e.get_attribute('textContent')
                        for e in driver.find_elements(By.CSS_SELECTOR, '#matches li.match')],
            'drawn': drawn_names(driver),
            'details': text('#details h3') if driver.find_elements(By.CSS_SELECTOR, '#details h3') else '',
        }

        seen['cycles'] = []
        for li in driver.find_elements(By.CSS_SELECTOR, '#cycles li.cycle')[:5]:
            li.click()
            seen['cycles'].append({'label': li.get_attribute('textContent'), 'drawn': drawn_names(driver)})

        labels = driver.find_elements(By.CSS_SELECTOR, '#graph .dep-label')
        if labels:
            labels[0].click()
            seen['dependency'] = {
                'title': text('#details h3.dep-name'),
                'kind': text('#details .dep-kind'),
                'run': text('#details .dep-run'),
                'frames': [e.get_attribute('textContent')
                           for e in driver.find_elements(By.CSS_SELECTOR, '#details li.frame')],
            }
        nodes = driver.find_elements(By.CSS_SELECTOR, '#graph .class-node')
        if nodes:
            nodes[0].click()
            seen['class_details'] = text('#details')

        seen['alert'] = alert_text(driver)
        seen['pwned'] = driver.execute_script('return window.__pwned === undefined ? null : window.__pwned')
        seen['console_errors'] = [entry['message'] for entry in driver.get_log('browser')
                                  if entry['level'] == 'SEVERE']
    finally:
        driver.quit()
    print(json.dumps(seen))
    return 0


if __name__ == '__main__':
    sys.exit(main())
